"""10DLC registration through the gateway

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

Brands and campaigns gain their registration fields, failure reasons, a registry id (brands)
and per-carrier statuses, shared flag and nullable brand (campaigns), the DELETED and
DEACTIVATED statuses, and the columns the registration job polls them with. Registrations in
flight are recorded in ``registration_intents`` before the provider is called; the sandbox keeps
its registration objects in ``sandbox_objects``. Adding nullable columns and defaults is
metadata-only in PostgreSQL 11+, so large tables are not rewritten.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = ("ein", "first_name", "last_name", "email", "phone", "street", "city", "state")
BRAND_TEXT = (
    "tcr_brand_id",
    "company_name",
    *_TEXT,
    "postal_code",
    "country",
    "website",
    "vertical",
    "stock_symbol",
    "stock_exchange",
)
CAMPAIGN_TEXT = (
    "description",
    "message_flow",
    "help_message",
    "optin_message",
    "optout_message",
    "privacy_policy_link",
    "terms_and_conditions_link",
)
CAMPAIGN_LISTS = (
    "sample_messages",
    "help_keywords",
    "optin_keywords",
    "optout_keywords",
    "sub_usecases",
)
CAMPAIGN_FLAGS = (
    "embedded_link",
    "embedded_phone",
    "number_pool",
    "age_gated",
    "direct_lending",
    "subscriber_optin",
    "subscriber_optout",
    "subscriber_help",
    "auto_renewal",
)
SYNC = ("registration_fingerprint", "next_attempt_at", "lease_owner", "attempts")
OLD_CAMPAIGN_STATUSES = "'PENDING', 'ACTIVE', 'EXPIRED', 'REJECTED', 'SUSPENDED'"


def _sync_columns(table: str) -> None:
    op.add_column(
        table,
        sa.Column(
            "failure_reasons",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
    )
    op.add_column(table, sa.Column("registration_fingerprint", sa.String(64), nullable=True))
    op.add_column(table, sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(table, sa.Column("lease_owner", sa.String(64), nullable=True))
    op.add_column(
        table, sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_index(
        f"ix_{table}_next_attempt_at",
        table,
        ["next_attempt_at"],
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.create_index(
        f"ix_{table}_org_id_mode_registration_fingerprint",
        table,
        ["org_id", "mode", "registration_fingerprint"],
        postgresql_where=sa.text("registration_fingerprint IS NOT NULL"),
    )


def upgrade() -> None:
    op.add_column("brands", sa.Column("entity_type", sa.String(32), nullable=True))
    for name in BRAND_TEXT:
        op.add_column("brands", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("brands", sa.Column("is_reseller", sa.Boolean(), nullable=True))
    _sync_columns("brands")
    op.create_check_constraint(
        op.f("ck_brands_status"), "brands", "status IN ('PENDING', 'ACTIVE', 'FAILED', 'DELETED')"
    )

    for name in CAMPAIGN_TEXT:
        op.add_column("campaigns", sa.Column(name, sa.Text(), nullable=True))
    for name in CAMPAIGN_LISTS:
        op.add_column("campaigns", sa.Column(name, postgresql.ARRAY(sa.Text()), nullable=True))
    for name in CAMPAIGN_FLAGS:
        op.add_column("campaigns", sa.Column(name, sa.Boolean(), nullable=True))
    op.add_column(
        "campaigns",
        sa.Column("shared", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "campaigns",
        sa.Column(
            "carriers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    _sync_columns("campaigns")
    op.alter_column("campaigns", "brand_id", existing_type=sa.UUID(), nullable=True)
    op.create_check_constraint(
        op.f("ck_campaigns_brand"), "campaigns", "shared OR brand_id IS NOT NULL"
    )
    op.drop_constraint(op.f("ck_campaigns_status"), "campaigns", type_="check")
    op.create_check_constraint(
        op.f("ck_campaigns_status"),
        "campaigns",
        f"status IN ({OLD_CAMPAIGN_STATUSES}, 'DEACTIVATED')",
    )

    op.create_table(
        "registration_intents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("client_ref", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("brand_id", sa.UUID(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('brand', 'campaign')", name=op.f("ck_registration_intents_kind")
        ),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_registration_intents_mode")),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_registration_intents_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_registration_intents_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_intents")),
        sa.UniqueConstraint("client_ref", name=op.f("uq_registration_intents_client_ref")),
        sa.UniqueConstraint(
            "org_id",
            "mode",
            "kind",
            "fingerprint",
            name=op.f("uq_registration_intents_org_id_mode_kind_fingerprint"),
        ),
    )
    op.create_index(
        "ix_registration_intents_next_attempt_at",
        "registration_intents",
        ["next_attempt_at"],
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )

    op.create_table(
        "sandbox_objects",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("client_ref", sa.Text(), nullable=True),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("org_id", "kind", "ref", name=op.f("pk_sandbox_objects")),
    )
    op.create_index(
        "ix_sandbox_objects_org_id_kind_client_ref",
        "sandbox_objects",
        ["org_id", "kind", "client_ref"],
        unique=True,
        postgresql_where=sa.text("client_ref IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sandbox_objects_org_id_kind_client_ref", table_name="sandbox_objects")
    op.drop_table("sandbox_objects")
    op.drop_index("ix_registration_intents_next_attempt_at", table_name="registration_intents")
    op.drop_table("registration_intents")
    # shared campaigns have no brand, and nothing older knows them or the new statuses
    shared = "SELECT id FROM campaigns WHERE brand_id IS NULL"
    op.execute(f"UPDATE phone_numbers SET campaign_id = NULL WHERE campaign_id IN ({shared})")
    op.execute(f"DELETE FROM bulk_tasks WHERE campaign_id IN ({shared})")
    op.execute("DELETE FROM campaigns WHERE brand_id IS NULL")
    op.execute("UPDATE campaigns SET status = 'EXPIRED' WHERE status = 'DEACTIVATED'")
    op.execute("UPDATE brands SET status = 'FAILED' WHERE status = 'DELETED'")
    op.drop_constraint(op.f("ck_campaigns_status"), "campaigns", type_="check")
    op.create_check_constraint(
        op.f("ck_campaigns_status"), "campaigns", f"status IN ({OLD_CAMPAIGN_STATUSES})"
    )
    op.drop_constraint(op.f("ck_campaigns_brand"), "campaigns", type_="check")
    op.alter_column("campaigns", "brand_id", existing_type=sa.UUID(), nullable=False)
    for table in ("campaigns", "brands"):
        op.drop_index(f"ix_{table}_org_id_mode_registration_fingerprint", table_name=table)
        op.drop_index(f"ix_{table}_next_attempt_at", table_name=table)
        for name in ("failure_reasons", *SYNC):
            op.drop_column(table, name)
    for name in (*CAMPAIGN_TEXT, *CAMPAIGN_LISTS, *CAMPAIGN_FLAGS, "shared", "carriers"):
        op.drop_column("campaigns", name)
    op.drop_constraint(op.f("ck_brands_status"), "brands", type_="check")
    for name in ("entity_type", *BRAND_TEXT, "is_reseller"):
        op.drop_column("brands", name)
