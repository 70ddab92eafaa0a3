"""Migration 0012: the two foreign keys the bulk statement paid for per row give way to guards
that keep what they protected; event ids keep their order without random bytes."""

import uuid

import pytest
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.db.migrations import downgrade, upgrade


def _seed(conn: Connection) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("org", "brand", "linked", "unused", "number", "task")}
    conn.execute(text("INSERT INTO orgs (id, name) VALUES (:org, 'o')"), ids)
    conn.execute(
        text(
            "INSERT INTO brands (id, org_id, mode, provider, provider_brand_id, identity_status,"
            " status) VALUES (:brand, :org, 'test', 'sandbox', 'B1', 'VERIFIED', 'ACTIVE')"
        ),
        ids,
    )
    conn.execute(
        text(
            "INSERT INTO campaigns (id, org_id, mode, brand_id, provider, provider_campaign_id,"
            " status) VALUES (:linked, :org, 'test', :brand, 'sandbox', 'C1', 'ACTIVE'),"
            " (:unused, :org, 'test', :brand, 'sandbox', 'C2', 'ACTIVE')"
        ),
        ids,
    )
    conn.execute(
        text(
            "INSERT INTO phone_numbers (id, org_id, mode, number, number_type, region_code,"
            " provider, assigned, sms_enabled, mms_enabled, campaign_id) VALUES (:number, :org,"
            " 'test', '+14155550100', 'local', 'US', 'sandbox', true, true, true, :linked)"
        ),
        ids,
    )
    conn.execute(
        text(
            "INSERT INTO bulk_tasks (id, org_id, mode, campaign_id, operation, source, total)"
            " VALUES (:task, :org, 'test', :linked, 'attach', 'numbers', 2)"
        ),
        ids,
    )
    conn.execute(
        text(
            "INSERT INTO bulk_task_items (task_id, seq, value) VALUES (:task, 1, 'a'),"
            " (:task, 2, 'b')"
        ),
        ids,
    )
    return ids


def _foreign_keys(conn: Connection, table: str) -> set[str]:
    return {str(fk["name"]) for fk in inspect(conn).get_foreign_keys(table)}


def test_0012_guards_what_the_foreign_keys_guarded_and_goes_back(
    unmigrated: tuple[str, Engine],
) -> None:
    url, db = unmigrated
    upgrade(url, "0011")
    with db.connect() as conn, conn.begin():
        ids = _seed(conn)
    upgrade(url, "0012")
    with db.connect() as conn:
        assert "fk_phone_numbers_campaign_id_campaigns" not in _foreign_keys(conn, "phone_numbers")
        assert _foreign_keys(conn, "bulk_task_items") == set()
    with db.connect() as conn:
        with pytest.raises(IntegrityError, match="linked to phone numbers"), conn.begin():
            conn.execute(text("DELETE FROM campaigns WHERE id = :linked"), ids)
        with conn.begin():  # a campaign no number uses can go
            assert conn.execute(text("DELETE FROM campaigns WHERE id = :unused"), ids).rowcount
            conn.execute(text("DELETE FROM bulk_tasks WHERE id = :task"), ids)
            items = conn.execute(text("SELECT count(*) FROM bulk_task_items")).scalar_one()
            assert items == 0  # deleting a task deletes its items, as the cascade did
            made = conn.execute(
                text("SELECT time_ordered_uuid() FROM generate_series(1, 200)")
            ).scalars()
            made_ids = list(made)
            assert made_ids == sorted(made_ids) and len(set(made_ids)) == 200
    downgrade(url, "0011")
    with db.connect() as conn:
        assert "fk_phone_numbers_campaign_id_campaigns" in _foreign_keys(conn, "phone_numbers")
        assert _foreign_keys(conn, "bulk_task_items") == {"fk_bulk_task_items_task_id_bulk_tasks"}
    with db.connect() as conn:
        with pytest.raises(IntegrityError), conn.begin():
            conn.execute(text("DELETE FROM campaigns WHERE id = :linked"), ids)
        assert conn.execute(text("SELECT time_ordered_uuid()")).scalar_one() is not None
    upgrade(url)
