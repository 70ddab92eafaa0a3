"""The propagation worker: claims due number rows under a lease and reconciles them.

Any number of worker processes can run: rows are claimed with ``FOR UPDATE SKIP LOCKED`` and
a lease; a crashed worker's rows become due again when their lease expires.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from app.kit import idempotency
from app.kit.db import SessionMaker
from app.kit.errors import NumlinkError
from app.kit.metrics import PROPAGATION_CLAIMED, PROPAGATION_STEPS
from app.kit.providers import ProviderRegistry
from app.kit.secrets import SecretBox
from app.kit.tenancy import Tenant
from app.models import Mode
from app.propagation import repository
from app.propagation.reconciler import FAILED, Timing, reconcile, rejected, retry_later
from app.propagation.repository import Outcome, WorkItem
from app.settings import Settings

log = logging.getLogger("numlink.worker")
PURGE_EVERY_S = 600.0


class PropagationWorker:
    def __init__(self, sessions: SessionMaker, settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.registry = ProviderRegistry(sessions, settings, SecretBox(settings.secret_key_list()))
        self.timing = Timing(
            retry_base_s=settings.retry_base_s,
            retry_cap_s=settings.retry_cap_s,
            confirm_poll_s=settings.confirm_poll_s,
            confirm_poll_cap_s=settings.confirm_poll_cap_s,
            max_attempts=settings.max_attempts,
        )
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._inflight: set[asyncio.Task[None]] = set()
        self._last_purge = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                claimed = await self.fill()
                await self.purge_expired_keys()
            except Exception:
                log.exception("worker loop error; retrying")
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.worker_idle_sleep_s)
            elif len(self._inflight) >= self.settings.worker_concurrency:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
        if self._inflight:
            await asyncio.wait(self._inflight)
        await self.registry.aclose()
        log.info("worker stopped", extra={"worker": self.name})

    async def fill(self) -> int:
        """Claim as many rows as there are free slots and start on them."""
        free = min(
            self.settings.worker_concurrency - len(self._inflight), self.settings.worker_batch_size
        )
        if free <= 0:
            return 0
        items = await self.claim(free)
        for item in items:
            task = asyncio.create_task(self.process(item))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(items)

    async def run_until_settled(self, timeout_s: float = 30.0) -> None:
        """Process until no row has work scheduled at all (tests and tools)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await self.fill() == 0 and not self._inflight:
                async with self.sessions() as session:
                    if not await repository.has_scheduled_work(session):
                        return
                await asyncio.sleep(min(0.01, self.settings.worker_idle_sleep_s))
            elif self._inflight:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
        raise TimeoutError("work still scheduled after timeout")

    async def claim(self, limit: int) -> list[WorkItem]:
        token = f"{self.name}:{uuid.uuid4().hex[:12]}"
        async with self.sessions.begin() as session:
            items = await repository.claim(session, token, limit, self.settings.worker_lease_s)
        PROPAGATION_CLAIMED.inc(len(items))
        if items:
            log.debug("claimed", extra={"worker": self.name, "rows": len(items)})
        return items

    async def process(self, item: WorkItem) -> None:
        outcome = await self.step(item)
        try:
            async with self.sessions.begin() as session:
                applied = await repository.write_back(session, item, outcome)
        except Exception:
            # The lease expires and the row is observed afresh by whoever claims it next.
            log.exception("write-back failed", extra={"number_id": str(item.id)})
            return
        result = "lease_lost" if applied is None else (outcome.status or "unlinked")
        PROPAGATION_STEPS.labels(item.provider, result).inc()
        if outcome.status == FAILED and applied:
            log.info(
                "propagation failed", extra={"number_id": str(item.id), "reason": outcome.error}
            )

    async def step(self, item: WorkItem) -> Outcome:
        try:
            provider = await self.registry.for_tenant(
                Tenant(item.org_id, Mode(item.mode)), item.provider
            )
            return await reconcile(item, provider, self.timing)
        except NumlinkError as exc:
            return rejected(item, exc.message)
        except Exception as exc:
            # A bug or a garbled provider answer: back off rather than spin on the row.
            log.exception("reconcile step crashed", extra={"number_id": str(item.id)})
            observing = item.phase == "confirm" or item.reclaimed
            return retry_later(
                item, self.timing, f"internal error: {type(exc).__name__}", None, observing
            )

    async def purge_expired_keys(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        async with self.sessions.begin() as session:
            await idempotency.purge_expired(
                session, timedelta(hours=self.settings.idempotency_ttl_h)
            )
