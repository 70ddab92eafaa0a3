"""Every background job on one base.

``LoopService`` runs a job's ``run_once`` until the worker stops: again at once while it finds
work, after ``idle_s`` otherwise. ``QueueJob`` is the leased queue: it claims due rows of a
table (``FOR UPDATE SKIP LOCKED``, the lease pushing ``next_attempt_at`` past its end, so a
crashed worker's rows become due again by themselves), works on them with bounded
concurrency, renews the lease while that work runs (``app.jobs.leases``), and writes each
outcome back guarded by the lease token, so a worker whose lease was taken over writes nothing.
``PeriodicJob`` runs a pass, rests ``interval_s``, again.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import RowMapping, TextClause, text

from app.db.engine import SessionMaker
from app.jobs.leases import HeldClaim, LeaseKeeper

log = logging.getLogger("numlink.worker")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
W = TypeVar("W")

# clock_timestamp(), not now(): schedules are about wall time, not transaction start.
DUE_IN = """CASE WHEN CAST(:next_in_s AS float8) IS NULL THEN NULL
        ELSE clock_timestamp() + make_interval(secs => CAST(:next_in_s AS float8)) END"""


def new_token() -> str:
    """A claim's lease token: which worker, and which claim of it."""
    return f"{WORKER_NAME}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True, slots=True)
class Lane:
    """A part of a claim: rows matching ``where``, up to ``share`` of the claim's size (the
    last lane takes what the others left). Lanes keep one kind of due row from starving
    another behind a backlog."""

    where: str = "true"
    share: float | None = None


@dataclass(frozen=True, slots=True)
class LeasedTable:
    """A table whose rows are work items: ``id``, ``next_attempt_at`` (NULL: no work) and
    ``lease_owner`` (the token of the claim holding it)."""

    table: str
    returning: str  # what a claim returns of each row (``t``), besides ``due.reclaimed``
    lanes: tuple[Lane, ...] = (Lane(),)

    def claim_sql(self) -> TextClause:
        ctes = ["checked_at AS (SELECT clock_timestamp() AS t)"]  # once: indexes bound scans
        for i, lane in enumerate(self.lanes):
            earlier = [f"lane_{j}" for j in range(i)]
            exclude = "".join(f" AND id NOT IN (SELECT id FROM {e})" for e in earlier)
            taken = "".join(f" - (SELECT count(*) FROM {e})" for e in earlier)
            limit = f":lane_{i}_limit" if lane.share is not None else f"(:limit{taken})"
            ctes.append(
                f"""lane_{i} AS (
    SELECT id, lease_owner IS NOT NULL AS reclaimed FROM {self.table}
    WHERE next_attempt_at <= (SELECT t FROM checked_at) AND ({lane.where}){exclude}
    ORDER BY next_attempt_at
    LIMIT {limit}
    FOR UPDATE SKIP LOCKED
)"""
            )
        union = " UNION ALL ".join(f"SELECT * FROM lane_{i}" for i in range(len(self.lanes)))
        ctes.append(f"due AS ({union})")
        return text(
            f"""WITH {", ".join(ctes)}
UPDATE {self.table} t
SET lease_owner = :token, next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM due
WHERE t.id = due.id
RETURNING due.reclaimed, {self.returning}"""
        )

    def claim_params(self, token: str, limit: int, lease_s: float) -> dict[str, Any]:
        params: dict[str, Any] = {"token": token, "limit": limit, "lease_s": lease_s}
        for i, lane in enumerate(self.lanes):
            if lane.share is not None:
                params[f"lane_{i}_limit"] = max(1, int(limit * lane.share))
        return params

    def write_back_sql(self, set_clause: str, returning: str = "id") -> TextClause:
        """An outcome written only by the lease's holder; it releases the lease."""
        return text(
            f"""UPDATE {self.table} SET lease_owner = NULL, {set_clause}
WHERE id = :id AND lease_owner = :token
RETURNING {returning}"""
        )


class LoopService(ABC):
    name: str = "job"

    def __init__(self, idle_s: float) -> None:
        self.idle_s = idle_s

    @abstractmethod
    async def run_once(self) -> bool:
        """One round of work; True if there was any (then the next round starts at once)."""

    async def drain(self) -> None:
        """Finish what is in flight (called once the worker stops); most jobs hold nothing."""
        return None

    async def run(self, stop: asyncio.Event) -> None:
        log.info("job started", extra={"job": self.name, "worker": WORKER_NAME})
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("job round failed; retrying", extra={"job": self.name})
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.idle_s)
        await self.drain()
        log.info("job stopped", extra={"job": self.name, "worker": WORKER_NAME})


class QueueJob(LoopService, Generic[W]):
    """Claims up to its free slots of due items and works on each in a task of its own."""

    table: LeasedTable

    def __init__(
        self,
        sessions: SessionMaker,
        *,
        concurrency: int,
        batch_size: int,
        lease_s: float,
        idle_s: float,
    ) -> None:
        super().__init__(idle_s)
        self.sessions = sessions
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.lease_s = lease_s
        self.leases = LeaseKeeper(sessions, self.table.table, lease_s)
        self._inflight: set[asyncio.Task[None]] = set()
        self._claimed: HeldClaim | None = None  # the latest claim, until its tasks are spawned
        self._spawned: set[asyncio.Task[None]] | None = None

    @abstractmethod
    def to_work(self, row: RowMapping, token: str) -> W:
        """A claimed row as the job's work item."""

    @abstractmethod
    async def process(self, item: W) -> None:
        """Work on one item and write its outcome back; never raises."""

    def start(self, items: Sequence[W]) -> None:
        """Start work on claimed items: one task each (jobs may group them)."""
        for item in items:
            self.spawn(self.process(item))

    async def claim_rows(self, token: str, limit: int) -> Sequence[RowMapping]:
        """The claim's statement, leasing due rows to ``token`` (a job may claim otherwise,
        e.g. fairly across tenants; the lease is renewed the same way)."""
        params = self.table.claim_params(token, limit, self.lease_s)
        async with self.sessions.begin() as session:
            return (await session.execute(self.table.claim_sql(), params)).mappings().all()

    async def claim(self, limit: int) -> list[W]:
        token = new_token()
        claimed_at = time.monotonic()
        rows = await self.claim_rows(token, limit)
        if rows:
            log.debug("claimed", extra={"job": self.name, "worker": token, "rows": len(rows)})
            self._claimed = self.leases.hold(token, [row["id"] for row in rows], claimed_at)
        return [self.to_work(row, token) for row in rows]

    def start_claimed(self, items: Sequence[W]) -> set[asyncio.Task[None]]:
        """``start`` the items of the claim just made; its lease is renewed until the tasks
        started on them are done."""
        claim, self._claimed = self._claimed, None
        self._spawned = set()
        try:
            self.start(items)
            spawned = self._spawned
        finally:
            self._spawned = None
        if claim is not None:
            self.leases.started(claim, spawned)
        return spawned

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        if self._spawned is not None:
            self._spawned.add(task)

    @property
    def in_flight(self) -> frozenset[asyncio.Task[None]]:
        return frozenset(self._inflight)

    async def fill(self) -> int:
        """Claim as many items as there are free slots and start on them."""
        free = min(self.concurrency - len(self._inflight), self.batch_size)
        if free <= 0:
            return 0
        items = await self.claim(free)
        self.start_claimed(items)
        return len(items)

    async def run_once(self) -> bool:
        claimed = await self.fill()
        if claimed and len(self._inflight) >= self.concurrency:
            await self.wait_for_slot()
        return claimed > 0

    async def wait_for_slot(self) -> None:
        if self._inflight:
            await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)

    async def drain(self) -> None:
        if self._inflight:
            await asyncio.wait(self._inflight)

    async def process_due(self, limit: int) -> int:
        """Claim up to ``limit`` due items, work on them all, and return how many (tools)."""
        items = await self.claim(limit)
        await asyncio.gather(*self.start_claimed(items))
        return len(items)


class PeriodicJob(LoopService):
    """A pass, then ``interval_s`` of rest (the first pass comes at once)."""

    def __init__(self, interval_s: float) -> None:
        super().__init__(interval_s)

    @abstractmethod
    async def run_pass(self) -> None: ...

    async def run_once(self) -> bool:
        await self.run_pass()
        return False
