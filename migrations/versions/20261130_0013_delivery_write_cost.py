"""webhook deliveries without per-row foreign-key checks, and one index fewer

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

A bulk attach of 100,000 numbers to an org with one webhook endpoint writes 100,000 deliveries
in its statement, and each paid two foreign-key checks (the org, the endpoint): row triggers
that query and lock the same referenced row 100,000 times, about an eighth of the statement.
The app never deletes an org or an endpoint (DELETE on an endpoint disables it), so what the
constraints still guard is a delete made by hand: deleting an endpoint deletes its deliveries
(the cascade, now a trigger), deleting an org that deliveries name is refused (SQLSTATE 23503,
as the constraint did). A delivery whose endpoint is gone all the same is dropped by the worker
as for a disabled endpoint, never sent.

``ix_webhook_deliveries_org_id_mode_id`` served no query: a delivery is read by its key, and
listed by its endpoint (``ix_webhook_deliveries_org_id_mode_endpoint_id_id``).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDPOINT_CASCADE = """
CREATE FUNCTION delete_endpoint_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM webhook_deliveries
    WHERE org_id = OLD.org_id AND mode = OLD.mode AND endpoint_id = OLD.id;
    RETURN NULL;
END;
$$
"""

ORG_GUARD = """
CREATE FUNCTION refuse_deleting_org_with_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.org_id = OLD.id) THEN
        RAISE EXCEPTION 'org % has webhook deliveries', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$
"""


def upgrade() -> None:
    op.drop_constraint(
        "fk_webhook_deliveries_endpoint_id_webhook_endpoints", "webhook_deliveries", "foreignkey"
    )
    op.drop_constraint("fk_webhook_deliveries_org_id_orgs", "webhook_deliveries", "foreignkey")
    op.drop_index("ix_webhook_deliveries_org_id_mode_id", table_name="webhook_deliveries")
    op.execute(ENDPOINT_CASCADE)
    op.execute(
        "CREATE TRIGGER webhook_endpoints_delete_deliveries AFTER DELETE ON webhook_endpoints"
        " FOR EACH ROW EXECUTE FUNCTION delete_endpoint_deliveries()"
    )
    op.execute(ORG_GUARD)
    op.execute(
        "CREATE TRIGGER orgs_refuse_delete_with_deliveries BEFORE DELETE ON orgs"
        " FOR EACH ROW EXECUTE FUNCTION refuse_deleting_org_with_deliveries()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER orgs_refuse_delete_with_deliveries ON orgs")
    op.execute("DROP FUNCTION refuse_deleting_org_with_deliveries()")
    op.execute("DROP TRIGGER webhook_endpoints_delete_deliveries ON webhook_endpoints")
    op.execute("DROP FUNCTION delete_endpoint_deliveries()")
    # deliveries whose endpoint is gone (only a delete racing a statement could leave one)
    # would block the constraint
    op.execute(
        "DELETE FROM webhook_deliveries d WHERE d.endpoint_id IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id)"
    )
    op.create_index(
        "ix_webhook_deliveries_org_id_mode_id",
        "webhook_deliveries",
        ["org_id", "mode", "id"],
        unique=False,
    )
    op.create_foreign_key(
        "fk_webhook_deliveries_org_id_orgs", "webhook_deliveries", "orgs", ["org_id"], ["id"]
    )
    op.create_foreign_key(
        "fk_webhook_deliveries_endpoint_id_webhook_endpoints",
        "webhook_deliveries",
        "webhook_endpoints",
        ["endpoint_id"],
        ["id"],
        ondelete="CASCADE",
    )
