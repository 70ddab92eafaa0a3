"""bulk assignment by messaging profile

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

A bulk task can delegate to Telnyx's assignment by messaging profile: the task carries the
profile, Telnyx's task id and its own schedule (the worker claims due tasks under a lease, as
it does numbers). Items are recorded when Telnyx's task has finished.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bulk_tasks", sa.Column("messaging_profile_id", sa.Text(), nullable=True))
    op.add_column("bulk_tasks", sa.Column("provider_task_id", sa.Text(), nullable=True))
    op.add_column("bulk_tasks", sa.Column("profile_phase", sa.String(length=8), nullable=True))
    op.add_column(
        "bulk_tasks", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("bulk_tasks", sa.Column("lease_owner", sa.Text(), nullable=True))
    op.add_column(
        "bulk_tasks",
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("bulk_tasks", sa.Column("error", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_bulk_tasks_profile_phase"),
        "bulk_tasks",
        "profile_phase IN ('submit', 'poll', 'done')",
    )
    op.create_check_constraint(
        op.f("ck_bulk_tasks_profile_task"),
        "bulk_tasks",
        "(messaging_profile_id IS NULL) = (profile_phase IS NULL)",
    )
    op.create_index(
        "ix_bulk_tasks_next_attempt_at",
        "bulk_tasks",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_bulk_tasks_next_attempt_at",
        table_name="bulk_tasks",
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.drop_constraint(op.f("ck_bulk_tasks_profile_task"), "bulk_tasks", type_="check")
    op.drop_constraint(op.f("ck_bulk_tasks_profile_phase"), "bulk_tasks", type_="check")
    for column in (
        "error",
        "attempts",
        "lease_owner",
        "next_attempt_at",
        "profile_phase",
        "provider_task_id",
        "messaging_profile_id",
    ):
        op.drop_column("bulk_tasks", column)
