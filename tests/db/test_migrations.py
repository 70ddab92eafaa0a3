"""Alembic is the only way tables are made: upgrade, downgrade, and models agree with it."""

from collections.abc import Callable, Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, pool

from app.db.migrations import alembic_config, downgrade, upgrade
from app.db.models import metadata
from tests.support.database import DatabaseServer

MODEL_TABLES = set(metadata.tables)


@pytest.fixture
def empty_url(server: DatabaseServer) -> str:
    return server.create_database(migrate=False)


@pytest.fixture
def connect(empty_url: str) -> Iterator[Callable[[], Connection]]:
    """Opens a short sync psycopg connection to the test database (alembic's own driver)."""
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    yield engine.connect
    engine.dispose()


def tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def test_upgrade_creates_every_table_and_downgrade_removes_them(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    with connect() as conn:
        assert tables(conn) == set()
    upgrade(empty_url)
    with connect() as conn:
        assert tables(conn) == MODEL_TABLES | {"alembic_version"}
    downgrade(empty_url, "base")
    with connect() as conn:
        assert tables(conn) <= {"alembic_version"}
    upgrade(empty_url)  # and the way back up still works
    with connect() as conn:
        assert tables(conn) == MODEL_TABLES | {"alembic_version"}


def test_models_and_migrations_agree(empty_url: str, connect: Callable[[], Connection]) -> None:
    upgrade(empty_url)
    with connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, metadata) == []
        head = ScriptDirectory.from_config(alembic_config()).get_heads()
        assert len(head) == 1, f"migrations must have one head, found {head}"
        assert context.get_current_revision() == head[0]
