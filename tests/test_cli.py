"""The numlink command, run as a user would."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from app.cli.main import main; main()"]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(fresh_db: Callable[[], str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "NUMLINK_TEST_DATABASE_URL"}
    environment["DATABASE_URL"] = fresh_db()
    return environment


def test_orgs_and_keys(env: dict[str, str]) -> None:
    org = json.loads(run("orgs", "create", "Acme", "--json", env=env).stdout)
    assert set(org) == {"id", "name"} and org["name"] == "Acme"
    plain = run("orgs", "create", "Other", env=env).stdout.strip()
    assert len(plain) == 36

    created = run(
        "keys",
        "create",
        "--org",
        org["id"],
        "--scopes",
        "numbers:read,brands:read",
        "--mode",
        "test",
        "--json",
        env=env,
    )
    key = json.loads(created.stdout)
    assert set(key) == {"id", "key", "org_id", "mode", "scopes"}
    assert key["key"].startswith("am_test_") and key["scopes"] == ["numbers:read", "brands:read"]
    assert key["key"] not in created.stderr

    revoked = run("keys", "revoke", key["id"], "--json", env=env)
    assert json.loads(revoked.stdout) == {"id": key["id"], "revoked": True}
    again = run("keys", "revoke", key["id"], env=env)
    assert again.returncode != 0 and "no active key" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--scopes", "all", "--mode", "test"], "must be a UUID"),
        (
            ["--org", "00000000-0000-0000-0000-000000000000", "--scopes", "all", "--mode", "test"],
            "organisation not found",
        ),
        (
            ["--org", "00000000-0000-0000-0000-000000000000", "--scopes", "x:y", "--mode", "test"],
            "unknown scope",
        ),
    ],
)
def test_key_errors(env: dict[str, str], args: list[str], message: str) -> None:
    result = run("keys", "create", *args, env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_database_when_unconfigured(tmp_path: Path) -> None:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "NUMLINK_TEST_DATABASE_URL")
    }
    environment["NUMLINK_DATA_DIR"] = str(tmp_path)
    result = run("orgs", "create", "Embedded", env=environment)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) == 36
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    assert run("migrate", env=environment).returncode == 0
