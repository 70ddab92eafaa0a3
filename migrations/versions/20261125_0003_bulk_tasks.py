"""bulk tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Bulk attach/detach tasks and their items (one row per requested number, in request order).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_tasks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("operation", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
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
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_bulk_tasks_mode")),
        sa.CheckConstraint(
            "operation IN ('attach', 'detach')", name=op.f("ck_bulk_tasks_operation")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_bulk_tasks_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_bulk_tasks_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_tasks")),
    )
    op.create_index(
        "ix_bulk_tasks_org_id_mode_id", "bulk_tasks", ["org_id", "mode", "id"], unique=False
    )
    op.create_table(
        "bulk_task_items",
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("phone_number_id", sa.UUID(), nullable=True),
        sa.Column("desired_version", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["bulk_tasks.id"],
            name=op.f("fk_bulk_task_items_task_id_bulk_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "seq", name=op.f("pk_bulk_task_items")),
    )


def downgrade() -> None:
    op.drop_table("bulk_task_items")
    op.drop_index("ix_bulk_tasks_org_id_mode_id", table_name="bulk_tasks")
    op.drop_table("bulk_tasks")
