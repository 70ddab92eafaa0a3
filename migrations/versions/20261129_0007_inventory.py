"""inventory and audits: numbers' messaging profile and release, paged tasks, findings,
the sandbox account's numbers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Numbers gain what a provider's inventory says of them. The task table also holds batch
registrations, inventory syncs and audits (one task resource): their phase, resume position
(``page_token``), counts (``stats``) and scope. A sync or an audit keeps what the provider
listed until it compares (``task_listings``); an audit, its findings (``audit_findings``).
The sandbox keeps its account's numbers in ``sandbox_numbers``. Downgrading deletes the tasks
of the new kinds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PROFILE_TASK = "(messaging_profile_id IS NULL) = (profile_phase IS NULL)"
RUNNING_SYNC = "operation = 'sync' AND phase <> 'done'"


def upgrade() -> None:
    op.add_column("phone_numbers", sa.Column("messaging_profile_id", sa.Text(), nullable=True))
    op.add_column(
        "phone_numbers", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True)
    )

    op.alter_column("bulk_tasks", "campaign_id", existing_type=sa.UUID(), nullable=True)
    op.drop_constraint(op.f("ck_bulk_tasks_operation"), "bulk_tasks", type_="check")
    op.create_check_constraint(
        op.f("ck_bulk_tasks_operation"),
        "bulk_tasks",
        "operation IN ('attach', 'detach', 'register', 'sync', 'audit')",
    )
    op.drop_constraint(op.f("ck_bulk_tasks_profile_task"), "bulk_tasks", type_="check")
    op.create_check_constraint(
        op.f("ck_bulk_tasks_profile_task"),
        "bulk_tasks",
        f"operation = 'audit' OR {OLD_PROFILE_TASK}",
    )
    op.add_column("bulk_tasks", sa.Column("provider", sa.String(length=32), nullable=True))
    for flag in ("repair", "low_priority"):
        op.add_column(
            "bulk_tasks",
            sa.Column(flag, sa.Boolean(), server_default=sa.text("false"), nullable=False),
        )
    op.add_column("bulk_tasks", sa.Column("phase", sa.String(length=8), nullable=True))
    op.add_column("bulk_tasks", sa.Column("page_token", sa.Text(), nullable=True))
    op.add_column(
        "bulk_tasks",
        sa.Column(
            "stats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "bulk_tasks", sa.Column("scope", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column("bulk_tasks", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f("ck_bulk_tasks_phase"), "bulk_tasks", "phase IN ('list', 'profile', 'finish', 'done')"
    )
    op.create_index(
        "ix_bulk_tasks_org_id_mode_provider_operation_created_at",
        "bulk_tasks",
        ["org_id", "mode", "provider", "operation", "created_at"],
        unique=False,
        postgresql_where=sa.text("provider IS NOT NULL"),
    )
    op.create_index(
        "ux_bulk_tasks_running_sync",
        "bulk_tasks",
        ["org_id", "mode", "provider"],
        unique=True,
        postgresql_where=sa.text(RUNNING_SYNC),
    )

    op.create_table(
        "task_listings",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("listing", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("campaign_ref", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["bulk_tasks.id"],
            name=op.f("fk_task_listings_task_id_bulk_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "task_id", "listing", "number", "campaign_ref", name=op.f("pk_task_listings")
        ),
    )
    op.create_table(
        "audit_findings",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("phone_number_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("numlink_campaign_id", sa.UUID(), nullable=True),
        sa.Column("provider_campaign_id", sa.Text(), nullable=True),
        sa.Column("repaired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["bulk_tasks.id"],
            name=op.f("fk_audit_findings_task_id_bulk_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "seq", name=op.f("pk_audit_findings")),
    )
    op.create_index(
        "ix_audit_findings_task_id_kind_seq",
        "audit_findings",
        ["task_id", "kind", "seq"],
        unique=False,
    )
    op.create_table(
        "sandbox_numbers",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("messaging_profile_id", sa.Text(), nullable=True),
        sa.Column("assigned", sa.Boolean(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("org_id", "number", name=op.f("pk_sandbox_numbers")),
    )
    # phone_numbers may hold millions of rows: build without blocking writes
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_phone_numbers_org_id_mode_messaging_profile_id",
            "phone_numbers",
            ["org_id", "mode", "messaging_profile_id"],
            unique=False,
            postgresql_where=sa.text("messaging_profile_id IS NOT NULL"),
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_phone_numbers_org_id_mode_messaging_profile_id",
            table_name="phone_numbers",
            postgresql_concurrently=True,
        )
    op.drop_table("sandbox_numbers")
    op.drop_index("ix_audit_findings_task_id_kind_seq", table_name="audit_findings")
    op.drop_table("audit_findings")
    op.drop_table("task_listings")
    op.execute("DELETE FROM bulk_tasks WHERE operation NOT IN ('attach', 'detach')")
    op.drop_index("ux_bulk_tasks_running_sync", table_name="bulk_tasks")
    op.drop_index(
        "ix_bulk_tasks_org_id_mode_provider_operation_created_at", table_name="bulk_tasks"
    )
    op.drop_constraint(op.f("ck_bulk_tasks_phase"), "bulk_tasks", type_="check")
    for column in (
        "finished_at",
        "scope",
        "stats",
        "page_token",
        "phase",
        "low_priority",
        "repair",
        "provider",
    ):
        op.drop_column("bulk_tasks", column)
    op.drop_constraint(op.f("ck_bulk_tasks_profile_task"), "bulk_tasks", type_="check")
    op.create_check_constraint(op.f("ck_bulk_tasks_profile_task"), "bulk_tasks", OLD_PROFILE_TASK)
    op.drop_constraint(op.f("ck_bulk_tasks_operation"), "bulk_tasks", type_="check")
    op.create_check_constraint(
        op.f("ck_bulk_tasks_operation"), "bulk_tasks", "operation IN ('attach', 'detach')"
    )
    op.alter_column("bulk_tasks", "campaign_id", existing_type=sa.UUID(), nullable=False)
    for column in ("released_at", "messaging_profile_id"):
        op.drop_column("phone_numbers", column)
