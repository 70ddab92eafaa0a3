"""phone numbers are exact E.164: refuse stored rows that are not, then a CHECK constraint

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

Until this revision the API's E.164 check let a trailing newline and non-ASCII digits through
(``+14155559900\\n`` was stored beside ``+14155559900``). Such rows are not corrected here: a
corrected number could collide with the number it duplicates (one org and mode), or differ
from what the provider was told. The upgrade refuses, naming every such row, so an operator
decides (delete the duplicate, or correct the number) and migrates again. Then a CHECK
constraint keeps any other writer from storing one again.

The constraint is added NOT VALID and validated in autocommit, as 0005 does for its index:
validating scans phone_numbers without blocking writes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db.migrations import MigrationRefused

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_phone_numbers_e164"
E164 = r"^\+[1-9][0-9]{6,14}$"  # app.kit.phone.E164_JSON_PATTERN; PostgreSQL's [0-9] is ASCII
LISTED = 50


def refuse_if_any(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT id, org_id, mode, number FROM phone_numbers WHERE number !~ :e164"
            " ORDER BY org_id, mode, number, id"
        ),
        {"e164": E164},
    ).all()
    if not rows:
        return
    listed = "\n".join(
        f"  id={r.id} org_id={r.org_id} mode={r.mode} number={r.number!r}" for r in rows[:LISTED]
    )
    more = f"\n  … and {len(rows) - LISTED} more" if len(rows) > LISTED else ""
    raise MigrationRefused(
        f"migration 0006 refused: {len(rows)} stored phone number(s) are not exact E.164"
        f" (+ and 7-15 ASCII digits, nothing else):\n{listed}{more}\n"
        "Nothing was changed. Delete each row that duplicates a correct number of its org and"
        " mode, or correct it (e.g. UPDATE phone_numbers SET number = '+14155559900' WHERE"
        " id = '…'), then run `numlink migrate` again."
    )


def upgrade() -> None:
    bind = op.get_bind()
    with op.get_context().autocommit_block():
        refuse_if_any(bind)
        op.execute(
            f"ALTER TABLE phone_numbers ADD CONSTRAINT {CONSTRAINT}"
            f" CHECK (number ~ '{E164}') NOT VALID"
        )
        try:
            op.execute(f"ALTER TABLE phone_numbers VALIDATE CONSTRAINT {CONSTRAINT}")
        except sa.exc.IntegrityError:
            # a writer of the old code stored one between the check and the constraint
            op.execute(f"ALTER TABLE phone_numbers DROP CONSTRAINT {CONSTRAINT}")
            refuse_if_any(bind)
            raise


def downgrade() -> None:
    op.execute(f"ALTER TABLE phone_numbers DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
