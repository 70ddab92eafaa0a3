"""The numlink command, run as a user would: real processes on a real database.

Each process costs about a second of imports, so commands that do not depend on each other
run side by side.
"""

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import pool, text

from app.db.migrations import upgrade
from app.keys.service import SCOPES
from tests.support.api import Api, data, error_code
from tests.support.app import client_for, running_app, test_settings
from tests.support.database import DatabaseServer

CLI = [sys.executable, "-c", "from app.cli.main import main; main()"]


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, object]:
        assert self.returncode == 0, self.stderr
        parsed = json.loads(self.stdout)
        assert isinstance(parsed, dict)
        return parsed


async def numlink(*args: str, env: dict[str, str]) -> Result:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Result(process.returncode, stdout.decode(), stderr.decode())


async def numlink_all(*commands: list[str], env: dict[str, str]) -> list[Result]:
    return list(await asyncio.gather(*(numlink(*command, env=env) for command in commands)))


def cli_env(**extra: str) -> dict[str, str]:
    """This environment without any database or secret key setting, plus ``extra``."""
    unset = (
        "DATABASE_URL",
        "NUMLINK_DATABASE_URL",
        "NUMLINK_TEST_DATABASE_URL",
        "NUMLINK_SECRET_KEYS",
    )
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(extra)
    return environment


@pytest.fixture
def database_url(fresh_db: Callable[[], str]) -> str:
    return fresh_db()


@asynccontextmanager
async def api_on(url: str) -> AsyncIterator[Api]:
    """The API on the CLI's database; no key cache, so a revocation shows at once."""
    async with running_app(url, test_settings(), pool_size=2) as app, client_for(app) as client:
        yield Api(client)


def key_ids(url: str) -> set[str]:
    engine = create_sync_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT id::text FROM api_keys")).scalars())
    finally:
        engine.dispose()


def create_key(org_id: str, scopes: str) -> list[str]:
    return ["keys", "create", "--org", org_id, "--scopes", scopes, "--mode", "test", "--json"]


async def test_orgs_keys_and_migrate(database_url: str) -> None:
    env = cli_env(DATABASE_URL=database_url)
    unknown_org = str(uuid.uuid4())
    org_json, org_plain, migrated, bad_org_id, missing_org = await numlink_all(
        ["orgs", "create", "Acme", "--json"],
        ["orgs", "create", "Other"],
        ["migrate"],
        create_key("not-a-uuid", "all"),
        create_key(unknown_org, "all"),
        env=env,
    )
    org = org_json.json()
    assert set(org) == {"id", "name"} and org["name"] == "Acme"
    assert str(uuid.UUID(org_plain.stdout.strip())) == org_plain.stdout.strip()
    assert migrated.returncode == 0, migrated.stderr
    assert bad_org_id.returncode != 0 and "--org must be a UUID" in bad_org_id.stderr
    assert missing_org.returncode != 0 and "organisation not found" in missing_org.stderr

    org_id = str(org["id"])
    full, limited, bad_scope = await numlink_all(
        create_key(org_id, "all"),
        create_key(org_id, "numbers:read,brands:read"),
        create_key(org_id, "numbers:read,numbers:launch"),
        env=env,
    )
    full_key, limited_key = full.json(), limited.json()
    for issued in (full_key, limited_key):
        assert set(issued) == {"id", "key", "org_id", "mode", "scopes"}
        assert str(issued["key"]).startswith("am_test_")
        assert (issued["org_id"], issued["mode"]) == (org_id, "test")
    assert full_key["scopes"] == list(SCOPES)
    assert limited_key["scopes"] == ["numbers:read", "brands:read"]
    assert bad_scope.returncode != 0 and "unknown scope(s): numbers:launch" in bad_scope.stderr

    async with api_on(database_url) as api:
        brand = {"provider": "sandbox", "provider_brand_id": "B1"}
        assert data(await api.get("/v1/brands", str(full_key["key"]))) == []
        assert data(await api.get("/v1/brands", str(limited_key["key"]))) == []
        denied = await api.post("/v1/brands", str(limited_key["key"]), brand)
        assert (denied.status_code, error_code(denied)) == (403, "FORBIDDEN")
    # the failed commands created nothing
    assert key_ids(database_url) == {full_key["id"], limited_key["id"]}

    async with api_on(database_url) as api:
        (revoked,) = await numlink_all(["keys", "revoke", str(full_key["id"])], env=env)
        assert revoked.returncode == 0, revoked.stderr
        after = await api.get("/v1/brands", str(full_key["key"]))
        assert (after.status_code, error_code(after)) == (401, "UNAUTHORIZED")

    again = await numlink("keys", "revoke", str(full_key["id"]), env=env)
    assert again.returncode != 0 and "no active key" in again.stderr


async def test_embedded_database_when_unconfigured(tmp_path: Path) -> None:
    env = cli_env(NUMLINK_DATA_DIR=str(tmp_path))
    created = (await numlink("orgs", "create", "Embedded", "--json", env=env)).json()
    assert created["name"] == "Embedded"
    # the organisation lives in a PostgreSQL cluster in the data directory
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    # and the secrets in a development key generated there
    rotated = (await numlink("secrets", "rotate", "--json", env=env)).json()
    assert rotated == {"resealed": 0}
    assert (tmp_path / "secret.key").exists()


@pytest.mark.parametrize(
    "command",
    [["serve"], ["api"], ["worker"], ["secrets", "rotate"]],
    ids=["serve", "api", "worker", "secrets-rotate"],
)
async def test_a_configured_database_needs_secret_keys(
    database_url: str, tmp_path: Path, command: list[str]
) -> None:
    env = cli_env(
        DATABASE_URL=database_url, NUMLINK_DATA_DIR=str(tmp_path), NUMLINK_HOST="256.0.0.1"
    )
    refused = await numlink(*command, env=env)
    assert refused.returncode == 2, refused.stderr
    assert "NUMLINK_SECRET_KEYS" in refused.stderr and "Fernet.generate_key" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "secret.key").exists()


async def test_secrets_rotate_reencrypts_with_the_new_key(database_url: str) -> None:
    from cryptography.fernet import Fernet

    from app.kit.secrets import SecretBox, SecretBoxError
    from tests.support.app import TEST_SECRET_KEY

    new_key = Fernet.generate_key().decode()
    async with api_on(database_url) as api:  # the API seals with TEST_SECRET_KEY
        org = await numlink("orgs", "create", "rot", env=cli_env(DATABASE_URL=database_url))
        key = await numlink(
            "keys", "create", "--org", org.stdout.strip(), "--scopes", "all", "--mode", "live",
            env=cli_env(DATABASE_URL=database_url),
        )  # fmt: skip
        body = {"api_key": "KEY-rotation-0001"}
        data(await api.request("PUT", "/v1/provider-accounts/telnyx", key.stdout.strip(), body))
    env = cli_env(DATABASE_URL=database_url, NUMLINK_SECRET_KEYS=f"{new_key},{TEST_SECRET_KEY}")
    rotated = (await numlink("secrets", "rotate", "--json", env=env)).json()
    assert rotated == {"resealed": 1}
    engine = create_sync_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT credentials FROM provider_accounts")).scalar_one()
    finally:
        engine.dispose()
    assert "KEY-rotation-0001" in SecretBox([new_key]).open(stored)  # the old key is not needed
    with pytest.raises(SecretBoxError):
        SecretBox([TEST_SECRET_KEY]).open(stored)
    unknown = await numlink("secrets", "rotate", env=cli_env(DATABASE_URL=database_url,
                            NUMLINK_SECRET_KEYS=Fernet.generate_key().decode()))  # fmt: skip
    assert unknown.returncode == 2 and "does not decrypt" in unknown.stderr


async def test_bad_configuration_is_a_clear_error() -> None:
    result = await numlink("migrate", env=cli_env(NUMLINK_TELNYX_PUBLIC_KEY="not-a-key"))
    assert result.returncode == 2
    assert "invalid configuration: NUMLINK_TELNYX_PUBLIC_KEY" in result.stderr
    assert "Traceback" not in result.stderr


async def test_migrate_names_stored_numbers_that_are_not_e164(server: DatabaseServer) -> None:
    url = server.create_database(migrate=False)
    upgrade(url, "0005")
    engine = create_sync_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            org = conn.execute(text("INSERT INTO orgs (id, name) VALUES (gen_random_uuid(), 'o')"
                                    " RETURNING id")).scalar_one()  # fmt: skip
            bad = conn.execute(
                text(
                    "INSERT INTO phone_numbers (id, org_id, mode, number, number_type, provider,"
                    " assigned, sms_enabled, mms_enabled) VALUES (gen_random_uuid(), :org, 'test',"
                    " '+14155559900' || chr(10), 'local', 'sandbox', true, true, true) RETURNING id"
                ),
                {"org": org},
            ).scalar_one()
    finally:
        engine.dispose()
    refused = await numlink("migrate", env=cli_env(DATABASE_URL=url))
    assert refused.returncode == 2
    assert "migration 0006 refused" in refused.stderr and str(bad) in refused.stderr
    assert "'+14155559900\\n'" in refused.stderr and "Traceback" not in refused.stderr
