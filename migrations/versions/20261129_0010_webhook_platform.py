"""webhook platform: endpoint health, the deliveries log, fair delivery

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29

Endpoints remember since when every delivery has failed (``failing_since``; a success clears
it) and why they were disabled (``disabled_reason``). Deliveries keep the last HTTP status
(``last_status_code``) and carry ``target_key``, what the per-target concurrency cap counts:
the endpoint, or for a number's ``status_url`` the org, mode and host. Indexes serve the
deliveries log (per endpoint, newest first), the fair claim (due rows per tenant) and the count
of deliveries in flight (leased rows, few at any time).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TARGET_KEY = (
    "CASE WHEN endpoint_id IS NOT NULL THEN endpoint_id::text"
    " ELSE 'status_url:' || org_id::text || ':' || mode || ':'"
    " || coalesce(lower(substring(url FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#]*)')),"
    " '') END"
)


def upgrade() -> None:
    op.add_column("webhook_endpoints", sa.Column("disabled_reason", sa.Text(), nullable=True))
    op.add_column(
        "webhook_endpoints",
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("webhook_deliveries", sa.Column("last_status_code", sa.Integer(), nullable=True))
    op.add_column(
        "webhook_deliveries",
        sa.Column("target_key", sa.Text(), sa.Computed(TARGET_KEY, persisted=True), nullable=False),
    )
    op.create_index(
        "ix_webhook_deliveries_org_id_mode_endpoint_id_id",
        "webhook_deliveries",
        ["org_id", "mode", "endpoint_id", "id"],
    )
    op.create_index(
        "ix_webhook_deliveries_org_id_mode_next_attempt_at",
        "webhook_deliveries",
        ["org_id", "mode", "next_attempt_at"],
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.create_index(
        "ix_webhook_deliveries_leased_target_key",
        "webhook_deliveries",
        ["target_key"],
        postgresql_where=sa.text("lease_owner IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_webhook_deliveries_leased_target_key",
        table_name="webhook_deliveries",
        postgresql_where=sa.text("lease_owner IS NOT NULL"),
    )
    op.drop_index(
        "ix_webhook_deliveries_org_id_mode_next_attempt_at",
        table_name="webhook_deliveries",
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.drop_index(
        "ix_webhook_deliveries_org_id_mode_endpoint_id_id", table_name="webhook_deliveries"
    )
    op.drop_column("webhook_deliveries", "target_key")
    op.drop_column("webhook_deliveries", "last_status_code")
    op.drop_column("webhook_endpoints", "failing_since")
    op.drop_column("webhook_endpoints", "disabled_reason")
