"""Alembic is the only way tables are made: upgrade, downgrade, and models agree with it."""

from typing import Any

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from app.kit.migrations import downgrade, upgrade
from app.models import metadata
from tests.database import DatabaseServer


def tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def differences(url: str) -> list[Any]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(server: DatabaseServer) -> None:
    url = server.create_database(migrate=False)
    upgrade(url)
    assert tables(url) == set(metadata.tables) | {"alembic_version"}
    assert differences(url) == []
    downgrade(url, "base")
    assert tables(url) <= {"alembic_version"}
    upgrade(url)
    assert tables(url) == set(metadata.tables) | {"alembic_version"}


def test_app_never_creates_tables_itself(server: DatabaseServer) -> None:
    url = server.create_database(migrate=False)
    assert psycopg.__version__  # the driver used by the migrations themselves
    assert tables(url) == set()
