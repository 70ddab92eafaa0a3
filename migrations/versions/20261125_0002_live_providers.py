"""live providers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Provider accounts (encrypted credentials), the shared rate-limit buckets, applied provider
events (webhook de-duplication), provider sync times, outbound webhook endpoints, signing
secrets and the delivery outbox, filled by a statement-level trigger on phone_numbers so every
status change, whichever statement makes it, is queued in the same transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One delivery per changed number and target: its status_url, and each enabled endpoint of
# its org and mode. Set-based, so a bulk update costs one INSERT … SELECT.
ENQUEUE_FUNCTION = """
CREATE FUNCTION enqueue_status_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries
        (id, org_id, mode, endpoint_id, url, event_type, payload, next_attempt_at)
    SELECT gen_random_uuid(), n.org_id, n.mode, target.endpoint_id, target.url,
           'phone_number.carrier_line_option.updated',
           jsonb_build_object(
               'type', 'phone_number.carrier_line_option.updated',
               'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', jsonb_build_object(
                   'id', n.id,
                   'number', n.number,
                   'mode', n.mode,
                   'campaign_id', n.campaign_id,
                   'carrier_line_option_status', n.carrier_line_option_status,
                   'previous_status', o.carrier_line_option_status,
                   'carrier_line_option_error', n.carrier_line_option_error,
                   'carrier_line_option_propagated_at', n.carrier_line_option_propagated_at)),
           clock_timestamp()
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (
        SELECT NULL::uuid AS endpoint_id, n.status_url AS url
        WHERE n.status_url IS NOT NULL
        UNION ALL
        SELECT e.id, e.url FROM webhook_endpoints e
        WHERE e.org_id = n.org_id AND e.mode = n.mode AND e.disabled_at IS NULL
    ) AS target
    WHERE n.carrier_line_option_status IS DISTINCT FROM o.carrier_line_option_status;
    RETURN NULL;
END;
$$
"""


def upgrade() -> None:
    op.create_table(
        "provider_events",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_provider_events")),
    )
    op.create_index(
        op.f("ix_provider_events_received_at"), "provider_events", ["received_at"], unique=False
    )
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )
    op.create_table(
        "provider_accounts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("credentials", sa.LargeBinary(), nullable=False),
        sa.Column("credentials_hint", sa.Text(), nullable=False),
        sa.Column("webhook_token", sa.String(length=64), nullable=False),
        sa.Column("rate_per_s", sa.Float(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_provider_accounts_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_accounts")),
        sa.CheckConstraint("mode = 'live'", name=op.f("ck_provider_accounts_mode")),
        sa.UniqueConstraint("webhook_token", name=op.f("uq_provider_accounts_webhook_token")),
        sa.UniqueConstraint(
            "org_id", "mode", "provider", name=op.f("uq_provider_accounts_org_id_mode_provider")
        ),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_webhook_endpoints_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_webhook_endpoints_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        "ix_webhook_endpoints_org_id_mode_id",
        "webhook_endpoints",
        ["org_id", "mode", "id"],
        unique=False,
    )
    op.create_table(
        "webhook_signing_secrets",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "mode IN ('live', 'test')", name=op.f("ck_webhook_signing_secrets_mode")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_webhook_signing_secrets_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("org_id", "mode", name=op.f("pk_webhook_signing_secrets")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("endpoint_id", sa.UUID(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_webhook_deliveries_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.create_index(
        "ix_webhook_deliveries_org_id_mode_id",
        "webhook_deliveries",
        ["org_id", "mode", "id"],
        unique=False,
    )
    op.add_column(
        "brands", sa.Column("provider_synced_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "campaigns", sa.Column("provider_synced_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "phone_numbers", sa.Column("provider_status_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(ENQUEUE_FUNCTION)
    op.execute(
        "CREATE TRIGGER phone_numbers_status_webhooks AFTER UPDATE ON phone_numbers"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION enqueue_status_webhooks()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER phone_numbers_status_webhooks ON phone_numbers")
    op.execute("DROP FUNCTION enqueue_status_webhooks()")
    op.drop_column("phone_numbers", "provider_status_at")
    op.drop_column("campaigns", "provider_synced_at")
    op.drop_column("brands", "provider_synced_at")
    op.drop_index("ix_webhook_deliveries_org_id_mode_id", table_name="webhook_deliveries")
    op.drop_index(
        "ix_webhook_deliveries_due",
        table_name="webhook_deliveries",
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_signing_secrets")
    op.drop_index("ix_webhook_endpoints_org_id_mode_id", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    op.drop_table("provider_accounts")
    op.drop_table("rate_buckets")
    op.drop_index(op.f("ix_provider_events_received_at"), table_name="provider_events")
    op.drop_table("provider_events")
