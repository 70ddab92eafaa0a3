"""Migration 0013: the two foreign keys every queued delivery paid for give way to triggers that
keep what they protected, and an index no query used goes."""

import uuid

import pytest
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.db.migrations import downgrade, upgrade

INDEX = "ix_webhook_deliveries_org_id_mode_id"
FOREIGN_KEYS = {
    "fk_webhook_deliveries_org_id_orgs",
    "fk_webhook_deliveries_endpoint_id_webhook_endpoints",
}


def _seed(conn: Connection) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("org", "idle_org", "hook", "other_hook")}
    conn.execute(text("INSERT INTO orgs (id, name) VALUES (:org, 'o'), (:idle_org, 'i')"), ids)
    conn.execute(
        text(
            "INSERT INTO webhook_endpoints (id, org_id, mode, url, secret) VALUES"
            " (:hook, :org, 'test', 'https://a.example/h', 'x'),"
            " (:other_hook, :org, 'test', 'https://b.example/h', 'x')"
        ),
        ids,
    )
    conn.execute(
        text(
            "INSERT INTO webhook_deliveries (id, org_id, mode, endpoint_id, url, event_type,"
            " payload, next_attempt_at) SELECT gen_random_uuid(), :org, 'test', e, 'https://x/',"
            " 'phone_number.campaign.changed', '{}', now()"
            " FROM unnest(ARRAY[:hook, :hook, :other_hook, NULL]::uuid[]) e"
        ),
        ids,
    )
    return ids


def _schema(conn: Connection) -> tuple[set[str], set[str]]:
    found = inspect(conn)
    foreign_keys = {str(fk["name"]) for fk in found.get_foreign_keys("webhook_deliveries")}
    indexes = {str(ix["name"]) for ix in found.get_indexes("webhook_deliveries")}
    return foreign_keys, indexes


def _endpoints_of_deliveries(conn: Connection) -> list[uuid.UUID | None]:
    rows = conn.execute(text("SELECT endpoint_id FROM webhook_deliveries ORDER BY endpoint_id"))
    return list(rows.scalars())


def test_0013_guards_what_the_foreign_keys_guarded_and_goes_back(
    unmigrated: tuple[str, Engine],
) -> None:
    url, db = unmigrated
    upgrade(url, "0012")
    with db.connect() as conn, conn.begin():
        ids = _seed(conn)
    upgrade(url, "0013")
    with db.connect() as conn:
        foreign_keys, indexes = _schema(conn)
        assert foreign_keys == set() and INDEX not in indexes
    with db.connect() as conn:
        with pytest.raises(IntegrityError, match="has webhook deliveries"), conn.begin():
            conn.execute(text("DELETE FROM orgs WHERE id = :org"), ids)
        with conn.begin():
            assert conn.execute(text("DELETE FROM orgs WHERE id = :idle_org"), ids).rowcount
            conn.execute(text("DELETE FROM webhook_endpoints WHERE id = :hook"), ids)
            # the endpoint's deliveries went with it, as the cascade did; no other
            assert _endpoints_of_deliveries(conn) == [ids["other_hook"], None]
    downgrade(url, "0012")
    with db.connect() as conn:
        foreign_keys, indexes = _schema(conn)
        assert foreign_keys == FOREIGN_KEYS and INDEX in indexes
    with db.connect() as conn:
        with pytest.raises(IntegrityError), conn.begin():
            conn.execute(text("DELETE FROM orgs WHERE id = :org"), ids)
        with conn.begin():
            conn.execute(text("DELETE FROM webhook_endpoints WHERE id = :other_hook"), ids)
            assert _endpoints_of_deliveries(conn) == [None]
    upgrade(url)


def test_0013_downgrade_drops_deliveries_whose_endpoint_is_gone(
    unmigrated: tuple[str, Engine],
) -> None:
    url, db = unmigrated
    upgrade(url, "0013")
    with db.connect() as conn, conn.begin():
        ids = _seed(conn)
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no cascade
        conn.execute(text("DELETE FROM webhook_endpoints WHERE id = :hook"), ids)
    downgrade(url, "0012")  # would fail on the constraint if the two were kept
    with db.connect() as conn:
        assert _endpoints_of_deliveries(conn) == [ids["other_hook"], None]
    upgrade(url)
