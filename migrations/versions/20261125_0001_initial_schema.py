"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Orgs and API keys; brands, campaigns and phone numbers (each number row is also the
reconciler's work item); idempotency keys; the sandbox provider's link table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("api_key_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("api_key_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"], unique=False
    )
    op.create_table(
        "orgs",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
    )
    op.create_table(
        "sandbox_links",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("campaign_ref", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("org_id", "number", name=op.f("pk_sandbox_links")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_api_keys_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_api_keys_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_index(op.f("ix_api_keys_org_id"), "api_keys", ["org_id"], unique=False)
    op.create_table(
        "brands",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_brand_id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("identity_status", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
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
        sa.CheckConstraint(
            "identity_status IN ('UNVERIFIED', 'SELF_DECLARED', 'VERIFIED', 'VETTED_VERIFIED')",
            name=op.f("ck_brands_identity"),
        ),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_brands_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_brands_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint(
            "org_id",
            "mode",
            "provider",
            "provider_brand_id",
            name=op.f("uq_brands_org_id_mode_provider_provider_brand_id"),
        ),
    )
    op.create_index("ix_brands_org_id_mode_id", "brands", ["org_id", "mode", "id"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("brand_id", sa.UUID(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_campaign_id", sa.Text(), nullable=False),
        sa.Column("tcr_campaign_id", sa.Text(), nullable=True),
        sa.Column("usecase", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_status", sa.Text(), nullable=True),
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
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_campaigns_mode")),
        sa.CheckConstraint(
            "status IN ('PENDING', 'ACTIVE', 'EXPIRED', 'REJECTED', 'SUSPENDED')",
            name=op.f("ck_campaigns_status"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_campaigns_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_campaigns_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint(
            "org_id",
            "mode",
            "provider",
            "provider_campaign_id",
            name=op.f("uq_campaigns_org_id_mode_provider_provider_campaign_id"),
        ),
    )
    op.create_index(
        "ix_campaigns_org_id_mode_brand_id_id",
        "campaigns",
        ["org_id", "mode", "brand_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaigns_org_id_mode_id", "campaigns", ["org_id", "mode", "id"], unique=False
    )
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=4), nullable=True),
        sa.Column("number_type", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("inbound_url", sa.Text(), nullable=True),
        sa.Column("status_url", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.Column("sms_enabled", sa.Boolean(), nullable=False),
        sa.Column("mms_enabled", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=True),
        sa.Column("desired_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("carrier_line_option_status", sa.String(length=16), nullable=True),
        sa.Column("carrier_line_option_propagated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carrier_line_option_error", sa.Text(), nullable=True),
        sa.Column("linked_campaign_ref", sa.Text(), nullable=True),
        sa.Column("sync_phase", sa.String(length=16), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
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
        sa.CheckConstraint(
            "carrier_line_option_status IN ('pending', 'propagated', 'failed')",
            name=op.f("ck_phone_numbers_line_status"),
        ),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_phone_numbers_mode")),
        sa.CheckConstraint(
            "sync_phase IN ('submit', 'confirm')", name=op.f("ck_phone_numbers_sync_phase")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_phone_numbers_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_phone_numbers_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sa.UniqueConstraint(
            "org_id", "mode", "number", name=op.f("uq_phone_numbers_org_id_mode_number")
        ),
    )
    op.create_index(
        "ix_phone_numbers_due",
        "phone_numbers",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.create_index(
        "ix_phone_numbers_org_id_mode_campaign_id_id",
        "phone_numbers",
        ["org_id", "mode", "campaign_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_phone_numbers_org_id_mode_id", "phone_numbers", ["org_id", "mode", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_phone_numbers_org_id_mode_id", table_name="phone_numbers")
    op.drop_index("ix_phone_numbers_org_id_mode_campaign_id_id", table_name="phone_numbers")
    op.drop_index(
        "ix_phone_numbers_due",
        table_name="phone_numbers",
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.drop_table("phone_numbers")
    op.drop_index("ix_campaigns_org_id_mode_id", table_name="campaigns")
    op.drop_index("ix_campaigns_org_id_mode_brand_id_id", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_index("ix_brands_org_id_mode_id", table_name="brands")
    op.drop_table("brands")
    op.drop_index(op.f("ix_api_keys_org_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("sandbox_links")
    op.drop_table("orgs")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
