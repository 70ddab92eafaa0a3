"""rate_buckets learn the provider's real rate: the rate in use, when it was last cut, a pause
every worker honours, and an epoch that moves when reservations must be made again

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29

``rate`` NULL means the account's configured rate (an existing bucket starts there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rate_buckets", sa.Column("rate", sa.Float(), nullable=True))
    op.add_column("rate_buckets", sa.Column("cut_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "rate_buckets", sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "rate_buckets",
        sa.Column("epoch", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    for column in ("epoch", "paused_until", "cut_at", "rate"):
        op.drop_column("rate_buckets", column)
