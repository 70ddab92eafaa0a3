"""Alembic is the only way tables are made: upgrade, downgrade, and models agree with it."""

from collections.abc import Callable, Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, pool, text
from sqlalchemy.exc import IntegrityError

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


BAD_NUMBERS = ("+14155559900\n", "+1415555\u0669\u0669\u0660\u0660", " +14155550100")


def add_number(conn: Connection, org_id: str, number: str) -> str:
    return str(
        conn.execute(
            text(
                "INSERT INTO phone_numbers (id, org_id, mode, number, number_type, provider,"
                " assigned, sms_enabled, mms_enabled)"
                " VALUES (gen_random_uuid(), :org, 'test', :number, 'local', 'sandbox',"
                " true, true, true) RETURNING id"
            ),
            {"org": org_id, "number": number},
        ).scalar_one()
    )


def revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def test_0006_refuses_stored_numbers_that_are_not_exact_e164(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    upgrade(empty_url, "0005")
    with connect() as conn, conn.begin():
        org = str(conn.execute(text("INSERT INTO orgs (id, name) VALUES (gen_random_uuid(),"
                                    " 'o') RETURNING id")).scalar_one())  # fmt: skip
        good = add_number(conn, org, "+14155559900")
        bad = {add_number(conn, org, number): number for number in BAD_NUMBERS}
    with pytest.raises(Exception) as refused:
        upgrade(empty_url)
    message = str(refused.value)
    assert "not exact E.164" in message
    for row_id, number in bad.items():
        assert row_id in message and repr(number) in message
    assert good not in message
    with connect() as conn:
        assert revision(conn) == "0005"
        assert conn.execute(text("SELECT count(*) FROM phone_numbers")).scalar_one() == 4

    with connect() as conn, conn.begin():
        conn.execute(text("DELETE FROM phone_numbers WHERE id <> :good"), {"good": good})
    upgrade(empty_url, "0006")
    with connect() as conn:
        assert revision(conn) == "0006"
    for number in BAD_NUMBERS:
        with connect() as conn, pytest.raises(IntegrityError), conn.begin():
            add_number(conn, org, number)

    downgrade(empty_url, "0005")
    with connect() as conn, conn.begin():
        assert revision(conn) == "0005"
        add_number(conn, org, BAD_NUMBERS[0])  # the check is gone with the revision
        conn.execute(text("DELETE FROM phone_numbers WHERE id <> :good"), {"good": good})
    upgrade(empty_url, "0006")
    with connect() as conn:
        assert revision(conn) == "0006"


def test_0011_keeps_rate_buckets_and_starts_them_at_the_configured_rate(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    upgrade(empty_url, "0008")
    with connect() as conn, conn.begin():
        conn.execute(text("INSERT INTO rate_buckets (key, tokens) VALUES ('acct', 3)"))
    upgrade(empty_url, "0011")
    with connect() as conn:
        found = conn.execute(
            text("SELECT tokens, rate, cut_at, paused_until, epoch FROM rate_buckets")
        ).one()
        assert tuple(found) == (3.0, None, None, None, 0)  # rate NULL: the configured one
    downgrade(empty_url, "0008")
    with connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("rate_buckets")}
        assert columns == {"key", "tokens", "updated_at"}
        assert conn.execute(text("SELECT tokens FROM rate_buckets")).scalar_one() == 3.0
