"""Migration 0010 down and up again with registration data in place: what older code cannot
hold (shared campaigns, the DELETED and DEACTIVATED statuses) is brought back to its terms."""

import uuid
from collections.abc import Callable

from sqlalchemy import Connection, create_engine, pool, text

from app.db.migrations import downgrade, upgrade
from tests.support.database import DatabaseServer


def test_downgrade_keeps_what_older_code_understands(server: DatabaseServer) -> None:
    url = server.create_database()
    engine = create_engine(url, poolclass=pool.NullPool)
    connect: Callable[[], Connection] = engine.connect
    org, brand, deleted, shared, ended, number = (uuid.uuid4() for _ in range(6))
    with connect() as conn, conn.begin():
        conn.execute(text("INSERT INTO orgs (id, name) VALUES (:id, 'o')"), {"id": org})
        for brand_id, status in ((brand, "ACTIVE"), (deleted, "DELETED")):
            conn.execute(
                text(
                    "INSERT INTO brands (id, org_id, mode, provider, provider_brand_id,"
                    " identity_status, status, entity_type, ein)"
                    " VALUES (:id, :org, 'test', 'sandbox', :ref, 'VERIFIED', :status,"
                    " 'PRIVATE_PROFIT', '1')"
                ),
                {"id": brand_id, "org": org, "ref": str(brand_id), "status": status},
            )
        conn.execute(
            text(
                "INSERT INTO campaigns (id, org_id, mode, brand_id, provider, provider_campaign_id,"
                " status, shared) VALUES (:shared, :org, 'test', NULL, 'sandbox', 'C1', 'ACTIVE',"
                " true), (:ended, :org, 'test', :brand, 'sandbox', 'C2', 'DEACTIVATED', false)"
            ),
            {"shared": shared, "ended": ended, "org": org, "brand": brand},
        )
        conn.execute(
            text(
                "INSERT INTO phone_numbers (id, org_id, mode, number, number_type, provider,"
                " assigned, sms_enabled, mms_enabled, campaign_id) VALUES (:id, :org, 'test',"
                " '+12015550100', 'local', 'sandbox', true, true, true, :campaign)"
            ),
            {"id": number, "org": org, "campaign": shared},
        )
    downgrade(url, "0007")  # the revision before registration
    with connect() as conn:
        assert conn.execute(text("SELECT id, status FROM campaigns")).all() == [(ended, "EXPIRED")]
        statuses: dict[uuid.UUID, str] = dict(
            conn.execute(text("SELECT id, status FROM brands")).all()
        )
        assert statuses == {brand: "ACTIVE", deleted: "FAILED"}
        assert conn.execute(text("SELECT campaign_id FROM phone_numbers")).scalar() is None
    upgrade(url)
    with connect() as conn:
        reasons = conn.execute(text("SELECT failure_reasons FROM brands")).scalars().all()
        assert reasons == [[], []]
    engine.dispose()
