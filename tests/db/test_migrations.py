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


def status_deliveries_after_a_status_change(conn: Connection, org: str, number: str) -> int:
    """Changes the number's status by a plain UPDATE and counts the deliveries it queued."""
    conn.execute(
        text("UPDATE phone_numbers SET carrier_line_option_status = 'pending' WHERE id = :id"),
        {"id": number},
    )
    count = conn.execute(text("SELECT count(*) FROM webhook_deliveries")).scalar_one()
    conn.execute(text("UPDATE phone_numbers SET carrier_line_option_status = NULL"))
    conn.execute(text("DELETE FROM webhook_deliveries"))
    return int(count)


def test_0009_replaces_the_status_trigger_with_events_and_back(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    upgrade(empty_url, "0008")
    with connect() as conn, conn.begin():
        org = str(conn.execute(text("INSERT INTO orgs (id, name) VALUES (gen_random_uuid(),"
                                    " 'o') RETURNING id")).scalar_one())  # fmt: skip
        number = add_number(conn, org, "+14155559900")
        conn.execute(
            text(
                "INSERT INTO webhook_endpoints (id, org_id, mode, url, secret) VALUES"
                " (gen_random_uuid(), :org, 'test', 'https://example.com/hook', 'x')"
            ),
            {"org": org},
        )
        assert status_deliveries_after_a_status_change(conn, org, number) == 1  # the trigger

    upgrade(empty_url, "0009")
    with connect() as conn, conn.begin():
        assert "events" in tables(conn)
        # statements write events and deliveries themselves now: a bare UPDATE queues nothing
        assert status_deliveries_after_a_status_change(conn, org, number) == 0
        ids = conn.execute(
            text("SELECT time_ordered_uuid() FROM generate_series(1, 50) ORDER BY 1")
        ).scalars()
        made = conn.execute(text("SELECT time_ordered_uuid(), time_ordered_uuid()")).one()
        assert len(set(ids)) == 50 and made[0] < made[1]  # in the order they were made
        conn.execute(
            text(
                "INSERT INTO events (id, org_id, mode, type, resource_type, resource_id)"
                " VALUES (time_ordered_uuid(), :org, 'test', 'phone_number.created',"
                " 'phone_number', :number)"
            ),
            {"org": org, "number": number},
        )

    downgrade(empty_url, "0008")
    with connect() as conn, conn.begin():
        assert "events" not in tables(conn)
        assert status_deliveries_after_a_status_change(conn, org, number) == 1  # restored
    upgrade(empty_url)
    with connect() as conn:
        assert revision(conn) == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_0010_keys_existing_deliveries_by_target_and_goes_back(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    upgrade(empty_url, "0009")
    insert = text(
        "INSERT INTO webhook_deliveries (id, org_id, mode, endpoint_id, url, event_type, payload)"
        " VALUES (gen_random_uuid(), :org, 'test', :endpoint, :url, 't', '{}') RETURNING id"
    )
    with connect() as conn, conn.begin():
        org = str(conn.execute(text("INSERT INTO orgs (id, name) VALUES (gen_random_uuid(),"
                                    " 'o') RETURNING id")).scalar_one())  # fmt: skip
        endpoint = str(conn.execute(text("INSERT INTO webhook_endpoints (id, org_id, mode, url,"
                                         " secret) VALUES (gen_random_uuid(), :org, 'test',"
                                         " 'https://a.example/h', '') RETURNING id"),
                                    {"org": org}).scalar_one())  # fmt: skip
        to_endpoint = conn.execute(
            insert, {"org": org, "endpoint": endpoint, "url": "https://a.example/h"}
        ).scalar_one()
        to_status = conn.execute(
            insert, {"org": org, "endpoint": None, "url": "https://u:p@Hooks.Example:8443/s?x"}
        ).scalar_one()
    upgrade(empty_url, "0010")
    with connect() as conn:
        rows = conn.execute(text("SELECT id, target_key FROM webhook_deliveries")).all()
        keys: dict[object, str] = {row[0]: row[1] for row in rows}
        assert keys[to_endpoint] == endpoint
        assert keys[to_status] == f"status_url:{org}:test:hooks.example:8443"
        columns = {c["name"] for c in inspect(conn).get_columns("webhook_endpoints")}
        assert {"failing_since", "disabled_reason"} <= columns
    downgrade(empty_url, "0009")
    with connect() as conn:
        assert revision(conn) == "0009"
        columns = {c["name"] for c in inspect(conn).get_columns("webhook_deliveries")}
        assert "target_key" not in columns and "last_status_code" not in columns
        assert conn.execute(text("SELECT count(*) FROM webhook_deliveries")).scalar_one() == 2
    upgrade(empty_url)


def test_0011_keeps_rate_buckets_and_starts_them_at_the_configured_rate(
    empty_url: str, connect: Callable[[], Connection]
) -> None:
    upgrade(empty_url, "0010")
    with connect() as conn, conn.begin():
        conn.execute(text("INSERT INTO rate_buckets (key, tokens) VALUES ('acct', 3)"))
    upgrade(empty_url, "0011")
    with connect() as conn:
        found = conn.execute(
            text("SELECT tokens, rate, cut_at, paused_until, epoch FROM rate_buckets")
        ).one()
        assert tuple(found) == (3.0, None, None, None, 0)  # rate NULL: the configured one
    downgrade(empty_url, "0010")
    with connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("rate_buckets")}
        assert columns == {"key", "tokens", "updated_at"}
        assert conn.execute(text("SELECT tokens FROM rate_buckets")).scalar_one() == 3.0
