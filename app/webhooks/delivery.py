"""The webhook deliverer: claims due outbox rows under a lease, POSTs them signed, and writes
the result back guarded by the lease.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (any number of deliverers can run) and their
``next_attempt_at`` pushed past the lease, so a crashed deliverer's rows become due again.
Delivery is at least once: receivers de-duplicate on ``webhook-id``.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.kit.db import SessionMaker, create_sessionmaker
from app.kit.secrets import SecretBox, SecretBoxError
from app.kit.tenancy import Tenant
from app.models import Mode
from app.propagation.backoff import backoff_delay
from app.settings import Settings
from app.webhooks import repository, service, targets
from app.webhooks.repository import ENDPOINT_DISABLED, DueDelivery, Result
from app.webhooks.signing import signed_headers

log = logging.getLogger("numlink.webhooks")

# Retry n waits min(cap, base·2^n), jittered to between half and all of it: with the default
# 12 attempts the last one comes roughly 4 to 8 hours after the first.
RETRY_BASE_S = 15.0
RETRY_CAP_S = 4 * 3600.0
USER_AGENT = "numlink-webhooks/1"


class WebhookDeliverer:
    def __init__(
        self,
        engine_or_sessions: AsyncEngine | SessionMaker,
        settings: Settings,
        secret_box: SecretBox,
        http_client: httpx.AsyncClient,
        *,
        retry_base_s: float = RETRY_BASE_S,
        retry_cap_s: float = RETRY_CAP_S,
        lease_s: float | None = None,
    ) -> None:
        self.sessions = (
            create_sessionmaker(engine_or_sessions)
            if isinstance(engine_or_sessions, AsyncEngine)
            else engine_or_sessions
        )
        self.settings = settings
        self.secret_box = secret_box
        self.http = http_client
        self.retry_base_s = retry_base_s
        self.retry_cap_s = retry_cap_s
        # longer than any attempt (DNS check + request), so a live attempt keeps its row
        self.lease_s = lease_s or max(settings.worker_lease_s, 3 * settings.webhook_timeout_s)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._inflight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then finish the attempts in flight."""
        log.info("webhook deliverer started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                claimed = await self._fill()
            except Exception:
                log.exception("webhook deliverer loop error; retrying")
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.worker_idle_sleep_s)
            elif len(self._inflight) >= self.settings.worker_concurrency:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
        if self._inflight:
            await asyncio.wait(self._inflight)
        log.info("webhook deliverer stopped", extra={"worker": self.name})

    async def deliver_due(self, limit: int) -> int:
        """Claim up to ``limit`` due deliveries, attempt them all, and return how many."""
        items = await self.claim(limit)
        await asyncio.gather(*(self.process(item) for item in items))
        return len(items)

    async def _fill(self) -> int:
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

    async def claim(self, limit: int) -> list[DueDelivery]:
        token = f"{self.name}:{uuid.uuid4().hex[:12]}"
        async with self.sessions.begin() as session:
            return await repository.claim(session, token, limit, self.lease_s)

    async def process(self, item: DueDelivery) -> None:
        try:
            result = await self.attempt(item)
        except Exception as exc:
            # A bug: back off rather than spin on the row.
            log.exception("webhook attempt crashed", extra={"delivery_id": str(item.id)})
            result = self._failed(item, f"internal error: {type(exc).__name__}")
        try:
            async with self.sessions.begin() as session:
                applied = await repository.finish(session, item, result)
        except Exception:
            # The lease expires and the row is attempted again.
            log.exception("webhook write-back failed", extra={"delivery_id": str(item.id)})
            return
        if not applied:
            log.info("webhook lease lost", extra={"delivery_id": str(item.id)})
        elif not result.delivered and result.retry_in_s is None:
            log.warning(
                "webhook delivery abandoned",
                extra={"delivery_id": str(item.id), "reason": result.error},
            )

    async def attempt(self, item: DueDelivery) -> Result:
        if item.endpoint_disabled:
            return self._abandoned(item, ENDPOINT_DISABLED)
        try:
            await targets.ensure_allowed(item.url, item.mode, self.settings)
        except targets.BlockedTarget as exc:
            return self._abandoned(item, f"blocked target: {exc}")
        except targets.UnresolvedTarget as exc:
            return self._failed(item, str(exc))
        try:
            secret = await self._secret_of(item)
        except SecretBoxError:
            return self._failed(item, "signing secret does not decrypt")
        body = orjson.dumps(item.payload)  # these exact bytes are signed and sent
        headers = signed_headers(secret, str(item.id), int(time.time()), body)
        headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
        error = await self._post(item.url, body, headers)
        if error is None:
            return Result(delivered=True, attempts=item.attempts + 1, retry_in_s=None, error=None)
        return self._failed(item, error)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> str | None:
        """None on a 2xx answer, else what went wrong. Redirects are not followed (their
        target was never checked) and the response body is never read."""
        timeout_s = self.settings.webhook_timeout_s
        try:
            async with asyncio.timeout(timeout_s):  # a total deadline, not per read
                request = self.http.stream(
                    "POST",
                    url,
                    content=body,
                    headers=headers,
                    timeout=timeout_s,
                    follow_redirects=False,
                )
                async with request as response:
                    status = response.status_code
        except (TimeoutError, httpx.TimeoutException):
            return "timeout"
        except httpx.HTTPError as exc:
            return f"connection error: {type(exc).__name__}"
        except httpx.InvalidURL:
            return "invalid URL"
        return None if 200 <= status < 300 else f"HTTP {status}"

    async def _secret_of(self, item: DueDelivery) -> str:
        if item.endpoint_id is not None:
            assert item.endpoint_secret is not None
            return self.secret_box.open(item.endpoint_secret)
        async with self.sessions.begin() as session:
            tenant = Tenant(item.org_id, Mode(item.mode))
            _, secret = await service.signing_secret(session, tenant, self.secret_box)
        return secret

    def _failed(self, item: DueDelivery, error: str) -> Result:
        """An attempt that failed: retried later, or abandoned once attempts run out."""
        attempts = item.attempts + 1
        retry_in_s = (
            None
            if attempts >= self.settings.webhook_max_attempts
            else backoff_delay(attempts - 1, self.retry_base_s, self.retry_cap_s)
        )
        return Result(delivered=False, attempts=attempts, retry_in_s=retry_in_s, error=error)

    @staticmethod
    def _abandoned(item: DueDelivery, error: str) -> Result:
        """Not attempted and never will be: the target must not receive it."""
        return Result(delivered=False, attempts=item.attempts, retry_in_s=None, error=error)
