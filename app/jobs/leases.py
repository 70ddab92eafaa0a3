"""Leases kept alive while their worker works on them (the heartbeat of every leased queue).

A claim leases its rows for ``lease_s``. While any task started on a claim runs, the worker
renews the lease of that claim's rows every third of it, in one statement per job, touching
only rows whose ``lease_owner`` is still the claim's token. So a live worker keeps its rows
however long a step takes (a slow provider, a long page), and a dead worker's rows are due again
within one lease of its last renewal rather than of its claim.

A worker that cannot renew stops acting: a claim whose lease, as last renewed, is about to
lapse (``MARGIN`` of it left) is given up and its tasks are cancelled, because another worker may
claim its rows as soon as it lapses. Their outcomes could not be written anyway (write-back is
guarded by the token); cancelling also stops further provider calls on rows no longer held.
"""

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import TextClause, text

from app.db.engine import SessionMaker

log = logging.getLogger("numlink.worker")
MARGIN = 0.25  # the share of the lease left when a claim that was not renewed is given up


def renew_sql(table: str) -> TextClause:
    """The lease of every held row pushed to ``lease_s`` from now. Rows are locked in id order,
    as the bulk statements lock numbers, so a renewal never deadlocks with them."""
    return text(
        f"""WITH held AS (
    SELECT t.id FROM {table} t
    JOIN unnest(CAST(:ids AS uuid[]), CAST(:tokens AS text[])) AS h(id, token)
      ON t.id = h.id AND t.lease_owner = h.token
    ORDER BY t.id
    FOR UPDATE OF t
)
UPDATE {table} t SET next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM held WHERE t.id = held.id
RETURNING t.id"""
    )


@dataclass(eq=False)
class HeldClaim:
    token: str
    ids: list[uuid.UUID]
    valid_until: float  # monotonic: when the lease lapses, as of its last renewal
    tasks: set["asyncio.Task[None]"] = field(default_factory=set)


class LeaseKeeper:
    """The claims of one job that still have work running, and the task renewing them."""

    def __init__(self, sessions: SessionMaker, table: str, lease_s: float) -> None:
        self._sessions = sessions
        self._renew = renew_sql(table)
        self.lease_s = lease_s
        self.interval_s = lease_s / 3
        self.enabled = True  # off: the worker never renews (tests of a worker that cannot)
        self._claims: list[HeldClaim] = []
        self._idle = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    def hold(self, token: str, ids: list[uuid.UUID], claimed_at: float) -> HeldClaim:
        """A claim just made (``claimed_at``: monotonic time before its statement was sent);
        renewed once ``started`` gives the tasks working on it. (A claim whose items are
        worked on otherwise, by a tool, is not renewed.)"""
        return HeldClaim(token, ids, claimed_at + self.lease_s)

    def started(self, claim: HeldClaim, tasks: set["asyncio.Task[None]"]) -> None:
        """The tasks working on a claim's items; the claim is held until they are all done."""
        claim.tasks |= {t for t in tasks if not t.done()}
        if not claim.tasks:
            return
        self._claims.append(claim)
        self._idle.clear()
        for task in claim.tasks:
            task.add_done_callback(functools.partial(self._finished, claim))
        if self.enabled and (self._keeper is None or self._keeper.done()):
            self._keeper = asyncio.create_task(self._keep())

    def _finished(self, claim: HeldClaim, task: "asyncio.Task[None]") -> None:
        claim.tasks.discard(task)
        if not claim.tasks and claim in self._claims:
            self._claims.remove(claim)
            if not self._claims:
                self._idle.set()

    async def _keep(self) -> None:
        while self._claims:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self.interval_s)
            if not self._claims:
                return
            await self.renew()

    async def renew(self) -> None:
        """Renew every held claim once; give up those whose lease is about to lapse unrenewed."""
        claims = list(self._claims)
        sent_at = time.monotonic()
        params = {
            "ids": [i for c in claims for i in c.ids],
            "tokens": [c.token for c in claims for _ in c.ids],
            "lease_s": self.lease_s,
        }
        try:
            async with asyncio.timeout(self.interval_s):
                async with self._sessions.begin() as session:
                    await session.execute(self._renew, params)
        except Exception:
            log.warning("lease renewal failed", exc_info=True, extra={"claims": len(claims)})
        else:
            for claim in claims:
                claim.valid_until = sent_at + self.lease_s
        self.give_up_lapsing()

    def give_up_lapsing(self) -> None:
        deadline = time.monotonic() + MARGIN * self.lease_s
        for claim in [c for c in self._claims if c.valid_until <= deadline]:
            log.warning("lease not renewed; work stopped", extra={"worker": claim.token})
            self._claims.remove(claim)
            for task in claim.tasks:
                task.cancel()
        if not self._claims:
            self._idle.set()
