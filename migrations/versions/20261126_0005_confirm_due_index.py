"""index of numbers whose submitted change awaits a status check

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The worker reserves part of every claim for numbers in the confirm phase, so that status
checks are not queued behind a large backlog of new submissions; this partial index finds them
without walking the backlog. Built CONCURRENTLY: phone_numbers may hold millions of rows, and
writes must go on while the index is built (a build that fails leaves an INVALID index to drop
before upgrading again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_phone_numbers_confirm_due",
            "phone_numbers",
            ["next_attempt_at"],
            unique=False,
            postgresql_where=sa.text("sync_phase = 'confirm'"),
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_phone_numbers_confirm_due",
            table_name="phone_numbers",
            postgresql_concurrently=True,
        )
