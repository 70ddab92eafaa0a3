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
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from app.kit import idempotency
from app.kit.db import SessionMaker
from app.kit.errors import NumlinkError
from app.kit.metrics import PROPAGATION_CLAIMED, PROPAGATION_STEPS
from app.kit.providers import ProviderRegistry
from app.kit.secrets import SecretBox
from app.kit.tenancy import Tenant
from app.models import Mode
from app.propagation import repository
from app.propagation.profile_tasks import ProfileTaskRunner
from app.propagation.reconciler import (
    FAILED,
    Timing,
    is_new_link,
    reconcile,
    reconcile_links,
    rejected,
    retry_later,
)
from app.propagation.refresher import ProviderStateRefresher
from app.propagation.repository import Outcome, WorkItem
from app.settings import Settings

log = logging.getLogger("numlink.worker")
PURGE_EVERY_S = 600.0
REFRESH_CHECK_EVERY_S = 30.0  # how often to look for brands and campaigns due a refresh


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
        self.refresher = ProviderStateRefresher(
            sessions, self.registry, settings.provider_refresh_interval_s
        )
        self._last_refresh_check = 0.0
        self.profile_tasks = ProfileTaskRunner(
            sessions, self.registry, self.timing, settings.worker_lease_s
        )
        self._refreshing: asyncio.Task[None] | None = None
        self._last_task_check = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                claimed = await self.fill()
                await self.purge_expired_keys()
                self.start_provider_refresh()
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
        batches: dict[tuple[object, ...], list[WorkItem]] = {}
        for item in items:
            if is_new_link(item):
                key = (item.org_id, item.mode, item.provider, item.desired_ref)
                batches.setdefault(key, []).append(item)
            else:
                self._start(self.process(item))
        for batch in batches.values():
            self._start(self.process_links(batch))
        tasks = []
        now = time.monotonic()
        # Bulk tasks delegated to a provider are rare: looked for at the idle pace, not on
        # every claim, and each takes a slot.
        if free > len(items) and now - self._last_task_check >= self.settings.worker_idle_sleep_s:
            self._last_task_check = now
            tasks = await self.profile_tasks.claim(self._token(), min(free - len(items), 4))
            for work in tasks:
                self._start(self.profile_tasks.process(work))
        return len(items) + len(tasks)

    def _token(self) -> str:
        return f"{self.name}:{uuid.uuid4().hex[:12]}"

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

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
        async with self.sessions.begin() as session:
            items = await repository.claim(
                session, self._token(), limit, self.settings.worker_lease_s
            )
        PROPAGATION_CLAIMED.inc(len(items))
        if items:
            log.debug("claimed", extra={"worker": self.name, "rows": len(items)})
        return items

    async def process(self, item: WorkItem) -> None:
        await self.write_back([(item, await self.step(item))])

    async def process_links(self, items: list[WorkItem]) -> None:
        """New links of one campaign: batched where the provider takes batches."""
        first = items[0]
        try:
            provider = await self.registry.for_tenant(
                Tenant(first.org_id, Mode(first.mode)), first.provider
            )
        except Exception:
            provider = None  # each item's own step reports why
        size = provider.link_batch_size if provider is not None else 1
        if provider is None or size <= 1 or len(items) == 1:
            for item in items:
                await self.process(item)
            return
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            try:
                outcomes = await reconcile_links(chunk, provider, self.timing)
            except Exception as exc:
                log.exception("batch link crashed", extra={"rows": len(chunk)})
                reason = f"internal error: {type(exc).__name__}"
                outcomes = [retry_later(i, self.timing, reason, None, False) for i in chunk]
            await self.write_back(list(zip(chunk, outcomes, strict=True)))

    async def write_back(self, results: list[tuple[WorkItem, Outcome]]) -> None:
        try:
            async with self.sessions.begin() as session:
                applied = [await repository.write_back(session, i, o) for i, o in results]
        except Exception:
            # The leases expire and the rows are observed afresh by whoever claims them next.
            log.exception("write-back failed", extra={"rows": len(results)})
            return
        for (item, outcome), done in zip(results, applied, strict=True):
            result = "lease_lost" if done is None else (outcome.status or "unlinked")
            PROPAGATION_STEPS.labels(item.provider, result).inc()
            if outcome.status == FAILED and done:
                log.info(
                    "propagation failed",
                    extra={"number_id": str(item.id), "reason": outcome.error},
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

    def start_provider_refresh(self) -> None:
        """Refresh due brands and campaigns beside propagation (one pass at a time)."""
        now = time.monotonic()
        if (
            self.settings.provider_refresh_interval_s <= 0
            or now - self._last_refresh_check < REFRESH_CHECK_EVERY_S
            or (self._refreshing is not None and not self._refreshing.done())
        ):
            return
        self._last_refresh_check = now

        async def refresh_pass() -> None:
            try:
                await self.refresher.refresh_due()
            except Exception:
                log.exception("provider refresh pass failed")

        self._refreshing = self._start(refresh_pass())

    async def purge_expired_keys(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        async with self.sessions.begin() as session:
            await idempotency.purge_expired(
                session, timedelta(hours=self.settings.idempotency_ttl_h)
            )
