"""Test databases: the configured server (``NUMLINK_TEST_DATABASE_URL`` or ``DATABASE_URL``)
or, when neither is set, an embedded PostgreSQL in a temporary directory."""

import os
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from app.db.embedded import start_embedded
from app.db.engine import async_url
from app.db.migrations import upgrade


class DatabaseServer:
    def __init__(self) -> None:
        configured = os.environ.get("NUMLINK_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
        if configured:
            self.admin_url = _libpq(async_url(configured))
            self.kind = "configured"
        else:
            data_dir = Path(tempfile.mkdtemp(prefix="numlink-test-"))
            self.admin_url = _libpq(start_embedded(data_dir, cleanup="delete"))
            self.kind = "embedded"
        self.created: list[str] = []

    def create_database(self, *, migrate: bool = True) -> str:
        """A new empty database (migrated to head); returns its SQLAlchemy URL."""
        name = f"numlink_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        url = _with_database(self.admin_url, name)
        if migrate:
            upgrade(url)
        return url

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.created:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.created.clear()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return async_url(urlunsplit(parts._replace(path=f"/{database}")))
