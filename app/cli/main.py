"""The ``numlink`` command."""

import asyncio
import json
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.bulk import bulk_cli
from app.cli.database import resolve_database
from app.cli.inventory import audit, numbers_cli
from app.db.engine import create_engine, create_sessionmaker
from app.db.migrations import MigrationRefused, upgrade
from app.db.models import (
    IdempotencyKey,
    Mode,
    ProviderAccount,
    WebhookEndpoint,
    WebhookSigningSecret,
)
from app.keys.service import SCOPES, create_key, parse_scopes, revoke_key
from app.kit.errors import NumlinkError
from app.kit.logging import configure_logging
from app.orgs.service import create_org, get_org
from app.settings import Settings, get_settings
from providers.catalog import ProviderCatalog, default_catalog

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="numlink gateway")
orgs_cli = typer.Typer(no_args_is_help=True, help="Organisations")
keys_cli = typer.Typer(no_args_is_help=True, help="API keys")
cli.add_typer(orgs_cli, name="orgs")
cli.add_typer(keys_cli, name="keys")
secrets_cli = typer.Typer(no_args_is_help=True, help="Encryption keys of stored secrets")
cli.add_typer(secrets_cli, name="secrets")
cli.add_typer(bulk_cli, name="bulk")
cli.add_typer(numbers_cli, name="numbers")
cli.command("audit")(audit)

T = TypeVar("T")
# every column that holds a SecretBox token
ENCRYPTED_COLUMNS = (
    IdempotencyKey.response_body,  # stored responses (some show a secret once)
    ProviderAccount.credentials,
    WebhookEndpoint.secret,
    WebhookSigningSecret.secret,
)
HostOpt = Annotated[str | None, typer.Option(help="Bind address (default NUMLINK_HOST)")]
PortOpt = Annotated[int | None, typer.Option(help="Port (default NUMLINK_PORT)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object")]
MISSING_SECRET_KEYS = (
    "NUMLINK_SECRET_KEYS is required with DATABASE_URL: every process (API, worker, secrets "
    "rotate) must encrypt and decrypt with the same key, and a key generated in one process's "
    "data directory is unreadable by the others. Generate one with\n"
    "  python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'\n"
    "and give it to every process."
)


def main() -> None:
    try:
        cli()
    except MigrationRefused as exc:  # from migrate, or serve migrating the embedded database
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


def _problems(exc: ValidationError, env_prefix: str) -> str:
    return "; ".join(
        f"{env_prefix}{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
    )


def _catalog() -> ProviderCatalog:
    """The providers, each one's settings read now so a bad one stops start-up clearly."""
    catalog = default_catalog()
    for name in catalog.names():
        try:
            catalog.settings(name)
        except ValidationError as exc:
            descriptor = catalog.get(name)
            assert descriptor is not None
            prefix = str(descriptor.settings_model.model_config.get("env_prefix", ""))
            _fail(f"invalid configuration: {_problems(exc, prefix)}")
    return catalog


def _settings(
    host: str | None = None, port: int | None = None, *, secret_keys: bool = False
) -> Settings:
    """The settings, or a clear exit; ``secret_keys``: the command encrypts or decrypts."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        _fail(f"invalid configuration: {_problems(exc, 'NUMLINK_')}")
    _catalog()
    if secret_keys and settings.secret_keys_missing():
        _fail(MISSING_SECRET_KEYS)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    configure_logging(settings.log_level)
    return settings


@cli.command()
def serve(host: HostOpt = None, port: PortOpt = None) -> None:
    """API and propagation worker in one process (development)."""
    settings = _settings(host, port, secret_keys=True)
    resolve_database(settings, migrate=True)
    _banner(settings)
    asyncio.run(_serve_all(settings, _catalog()))


async def _serve_all(settings: Settings, catalog: ProviderCatalog) -> None:
    # the server stack is imported only by the commands that serve (keeps `orgs`/`keys` quick)
    import uvicorn

    from app.jobs.worker import run_worker
    from app.main import create_app

    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    app = create_app(settings, engine, catalog)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_config=None, access_log=False
        )
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(engine, settings, stop, catalog))
    try:
        await server.serve()
    finally:
        stop.set()
        await worker
        await engine.dispose()


@cli.command()
def api(host: HostOpt = None, port: PortOpt = None, workers: int | None = None) -> None:
    """The HTTP API only (stateless; run as many as you like)."""
    import uvicorn

    settings = _settings(host, port, secret_keys=True)
    resolve_database(settings, migrate=False)
    uvicorn.run(
        "app.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers or settings.api_workers,
        log_config=None,
        access_log=False,
    )


@cli.command()
def worker() -> None:
    """The worker only: propagation and status webhooks (run several to scale out)."""
    settings = _settings(secret_keys=True)
    resolve_database(settings, migrate=False)
    asyncio.run(_run_worker(settings, _catalog()))


async def _run_worker(settings: Settings, catalog: ProviderCatalog) -> None:
    from app.jobs.worker import run_worker
    from app.kit.heap import freeze_startup_heap

    assert settings.database_url
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    freeze_startup_heap()
    try:
        await run_worker(engine, settings, stop, catalog)
    finally:
        await engine.dispose()


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the latest revision."""
    settings = _settings()
    url = resolve_database(settings, migrate=False)
    upgrade(url)
    typer.echo("database at head", err=True)


@orgs_cli.command("create")
def orgs_create(name: str, as_json: JsonOpt = False) -> None:
    """Create an organisation; prints its id."""

    async def run(session: AsyncSession) -> dict[str, Any]:
        org = await create_org(session, name)
        return {"id": str(org.id), "name": org.name}

    result = _with_session(run)
    typer.echo(json.dumps(result) if as_json else result["id"])


@keys_cli.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organisation id")],
    scopes: Annotated[str, typer.Option(help=f"Comma-separated, or 'all': {','.join(SCOPES)}")],
    mode: Annotated[Mode, typer.Option(help="test (sandbox) or live")],
    as_json: JsonOpt = False,
) -> None:
    """Create an API key; prints it once (it is stored only as a hash)."""

    org_id = _uuid(org, "--org")
    try:
        scope_list = parse_scopes(scopes)
    except NumlinkError as exc:
        _fail((exc.details or {}).get("scopes", exc.message))

    async def run(session: AsyncSession) -> dict[str, Any]:
        await get_org(session, org_id)
        issued = await create_key(session, org_id, mode, scope_list)
        return {
            "id": str(issued.record.id),
            "key": issued.key,
            "org_id": str(org_id),
            "mode": mode.value,
            "scopes": issued.record.scopes,
        }

    result = _with_session(run)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(f"key id {result['id']} ({result['mode']}); the key is shown once:", err=True)
        typer.echo(result["key"])


@keys_cli.command("revoke")
def keys_revoke(key_id: str, as_json: JsonOpt = False) -> None:
    """Revoke an API key by id (honoured by running servers within NUMLINK_KEY_CACHE_TTL_S)."""

    async def run(session: AsyncSession) -> dict[str, Any]:
        await revoke_key(session, _uuid(key_id, "KEY_ID"))
        return {"id": key_id, "revoked": True}

    result = _with_session(run)
    typer.echo(json.dumps(result) if as_json else f"revoked {key_id}")


@secrets_cli.command("rotate")
def secrets_rotate(as_json: JsonOpt = False) -> None:
    """Re-encrypt every stored secret with the first key of NUMLINK_SECRET_KEYS; afterwards the
    older keys can be removed from the setting."""
    from app.kit.secrets import SecretBox, SecretBoxError

    box = SecretBox(_settings(secret_keys=True).secret_key_list())

    async def run(session: AsyncSession) -> dict[str, Any]:
        resealed = 0
        for column in ENCRYPTED_COLUMNS:
            model = column.class_
            for row in (await session.execute(select(model).with_for_update())).scalars():
                if getattr(row, column.key) is None:
                    continue  # an idempotency key still in progress
                setattr(row, column.key, box.reseal(getattr(row, column.key)))
                resealed += 1
        await session.flush()
        return {"resealed": resealed}

    try:
        result = _with_session(run)
    except SecretBoxError as exc:
        _fail(str(exc))
    typer.echo(json.dumps(result) if as_json else f"re-encrypted {result['resealed']} secrets")


def _uuid(raw: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        _fail(f"{name} must be a UUID, got {raw!r}")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _with_session(run: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings = _settings()
    url = resolve_database(settings, migrate=False)

    async def go() -> T:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                return await run(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except NumlinkError as exc:
        detail = f" ({exc.details})" if exc.details else ""
        _fail(f"{exc.message}{detail}")


def _banner(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    cli_path = sys.argv[0]
    print(
        f"""
numlink is starting on {base}  (API docs: {base}/docs, health: {base}/readyz)
API and propagation worker run in this process; test mode uses the sandbox provider.

In another terminal, create an organisation and a test key, then call the API:
  ORG=$({cli_path} orgs create demo)
  KEY=$({cli_path} keys create --org $ORG --scopes all --mode test)
  curl -s {base}/v1/brands -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\
       -d '{{"provider": "sandbox", "provider_brand_id": "BRAND1"}}'
See README.md for the whole walkthrough. Ctrl-C stops it.
""",
        flush=True,
    )
