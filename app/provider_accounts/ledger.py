"""The link ledger of a provider that runs inside the gateway (the sandbox): a table, so every
worker process sees one provider, as they would a real one."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from app.db.engine import SessionMaker
from app.db.models import SandboxLink
from providers.descriptor import LedgerEntry, LedgerRead

_KEY = (SandboxLink.org_id, SandboxLink.number)


class DatabaseLinkLedger:
    """Implements ``providers.descriptor.LinkLedger`` for one org; each call is its own
    transaction, as a provider's own storage would be."""

    def __init__(self, sessions: SessionMaker, org_id: uuid.UUID) -> None:
        self._sessions = sessions
        self._org_id = org_id

    async def record(self, entries: Sequence[LedgerEntry], settle_in_s: float) -> None:
        if not entries:
            return
        ready_at = func.clock_timestamp() + timedelta(seconds=settle_in_s)
        rows = [
            {
                "org_id": self._org_id,
                "number": e.number,
                "campaign_ref": e.campaign_ref,
                "state": e.state,
                "outcome": e.outcome,
                "reason": e.reason,
                "ready_at": ready_at,
                "updated_at": func.clock_timestamp(),
            }
            for e in {e.number: e for e in entries}.values()  # one row per number: the last
        ]
        stmt = insert(SandboxLink).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={k: stmt.excluded[k] for k in rows[0] if k not in ("org_id", "number")},
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    async def read(self, number: str) -> LedgerRead | None:
        stmt = select(SandboxLink, SandboxLink.ready_at <= func.clock_timestamp()).where(
            SandboxLink.org_id == self._org_id, SandboxLink.number == number
        )
        async with self._sessions() as session:
            row = (await session.execute(stmt)).one_or_none()
        if row is None:
            return None
        return _read(*row)

    async def page_by_campaign(
        self, campaign_ref: str, after: str | None, limit: int
    ) -> list[LedgerRead]:
        stmt = (
            select(SandboxLink, SandboxLink.ready_at <= func.clock_timestamp())
            .where(
                SandboxLink.org_id == self._org_id,
                SandboxLink.campaign_ref == campaign_ref,
                SandboxLink.number > (after or ""),
            )
            .order_by(SandboxLink.number)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [_read(link, settled) for link, settled in rows]

    async def forget(self, number: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(SandboxLink).where(
                    SandboxLink.org_id == self._org_id, SandboxLink.number == number
                )
            )


def _read(link: SandboxLink, settled: object) -> LedgerRead:
    entry = LedgerEntry(link.number, link.campaign_ref, link.state, link.outcome, link.reason)
    return LedgerRead(entry, bool(settled))
