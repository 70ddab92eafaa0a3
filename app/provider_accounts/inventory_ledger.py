"""The account of a provider that runs inside the gateway (the sandbox): the numbers it holds,
in a table, so every process sees one account, as they would a real provider's."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from app.db.engine import SessionMaker
from app.db.models import SandboxNumber
from providers.descriptor import HeldNumber


class DatabaseInventoryLedger:
    """Implements ``providers.descriptor.InventoryLedger`` for one org; each call is its own
    transaction, as a provider's own storage would be."""

    def __init__(self, sessions: SessionMaker, org_id: uuid.UUID) -> None:
        self._sessions = sessions
        self._org_id = org_id

    async def hold(
        self, numbers: Sequence[str], messaging_profile_id: str | None, assigned: bool
    ) -> None:
        if not numbers:
            return
        rows = [
            {
                "org_id": self._org_id,
                "number": number,
                "messaging_profile_id": messaging_profile_id,
                "assigned": assigned,
                "released": False,
            }
            for number in dict.fromkeys(numbers)
        ]
        stmt = insert(SandboxNumber).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[SandboxNumber.org_id, SandboxNumber.number],
            set_={
                "messaging_profile_id": stmt.excluded.messaging_profile_id,
                "assigned": stmt.excluded.assigned,
                "released": False,
                "updated_at": func.clock_timestamp(),
            },
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    async def release(self, numbers: Sequence[str]) -> None:
        """Released numbers stay known, so reading one says it is gone from the account."""
        if not numbers:
            return
        rows = [
            {"org_id": self._org_id, "number": n, "assigned": False, "released": True}
            for n in dict.fromkeys(numbers)
        ]
        stmt = insert(SandboxNumber).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[SandboxNumber.org_id, SandboxNumber.number],
            set_={"assigned": False, "released": True, "updated_at": func.clock_timestamp()},
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    async def read(self, number: str) -> HeldNumber | None:
        stmt = select(SandboxNumber).where(
            SandboxNumber.org_id == self._org_id, SandboxNumber.number == number
        )
        async with self._sessions() as session:
            row = (await session.execute(stmt)).scalar()
        return None if row is None else _held(row)

    async def page(
        self, after: str | None, limit: int, messaging_profile_id: str | None
    ) -> list[HeldNumber]:
        stmt = select(SandboxNumber).where(
            SandboxNumber.org_id == self._org_id,
            SandboxNumber.released.is_(False),
            SandboxNumber.number > (after or ""),
        )
        if messaging_profile_id is not None:
            stmt = stmt.where(SandboxNumber.messaging_profile_id == messaging_profile_id)
        stmt = stmt.order_by(SandboxNumber.number).limit(limit)
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).scalars().all()
        return [_held(row) for row in rows]


def _held(row: SandboxNumber) -> HeldNumber:
    return HeldNumber(row.number, row.messaging_profile_id, row.assigned, row.released)
