"""Webhook delivery: due outbox rows are claimed under a lease, POSTed signed, and their result
written back guarded by the lease. Delivery is at least once: receivers de-duplicate on
``webhook-id``.

The outbox (``webhook_deliveries``) is filled in the transaction that changes a number's
status, by the database trigger ``phone_numbers_status_webhooks`` (migration 0002): one row
per changed number and target (its ``status_url``, and each enabled endpoint of its org and
mode), so no change is lost and none is sent before it commits.
"""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import RowMapping

from app.db.models import Mode
from app.db.tenancy import Tenant
from app.jobs.base import DUE_IN, LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.kit.backoff import RetryPolicy
from app.kit.secrets import SecretBox, SecretBoxError
from app.settings import Settings
from app.webhooks import service, targets
from app.webhooks.repository import ENDPOINT_DISABLED
from app.webhooks.signing import signed_headers

log = logging.getLogger("numlink.webhooks")

# Retry n waits min(cap, base·2^n), jittered to between half and all of it: with the default
# 12 attempts the last one comes roughly 4 to 8 hours after the first.
RETRY_BASE_S = 15.0
RETRY_CAP_S = 4 * 3600.0
USER_AGENT = "numlink-webhooks/1"

DELIVERIES = LeasedTable(
    table="webhook_deliveries",
    returning="""t.id, t.org_id, t.mode, t.endpoint_id, t.url, t.payload, t.attempts,
          (SELECT e.secret FROM webhook_endpoints e WHERE e.id = t.endpoint_id)
              AS endpoint_secret,
          coalesce((SELECT e.disabled_at IS NOT NULL FROM webhook_endpoints e
                    WHERE e.id = t.endpoint_id), false) AS endpoint_disabled""",
)

_FINISH = DELIVERIES.write_back_sql(
    f"""
    attempts = :attempts,
    last_error = CAST(:error AS text),
    delivered_at = CASE WHEN :delivered THEN clock_timestamp() ELSE delivered_at END,
    next_attempt_at = {DUE_IN}"""
)


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    endpoint_id: uuid.UUID | None  # None: the number's status_url
    url: str
    payload: dict[str, Any]
    attempts: int
    endpoint_secret: bytes | None  # sealed
    endpoint_disabled: bool
    token: str

    def __repr__(self) -> str:  # the sealed secret stays out of logs and tracebacks
        return f"DueDelivery({self.id}, endpoint={self.endpoint_id}, attempts={self.attempts})"


@dataclass(frozen=True, slots=True)
class Result:
    """What an attempt leaves on the row. ``retry_in_s`` None: no further attempt."""

    delivered: bool
    attempts: int
    retry_in_s: float | None
    error: str | None


class WebhookDeliveryJob(QueueJob[DueDelivery]):
    name = "webhook_delivery"
    table = DELIVERIES

    def __init__(
        self,
        context: JobContext,
        *,
        retry_base_s: float = RETRY_BASE_S,
        retry_cap_s: float = RETRY_CAP_S,
        lease_s: float | None = None,
    ) -> None:
        settings = context.settings
        super().__init__(
            context.sessions,
            concurrency=settings.worker_concurrency,
            batch_size=settings.worker_batch_size,
            # renewed while an attempt runs (however long), so a live attempt keeps its row
            lease_s=lease_s or settings.worker_lease_s,
            idle_s=settings.worker_idle_sleep_s,
        )
        self.settings: Settings = settings
        self.secret_box: SecretBox = context.secret_box
        self.http = context.http
        self.retry = RetryPolicy(retry_base_s, retry_cap_s, settings.webhook_max_attempts)

    def to_work(self, row: RowMapping, token: str) -> DueDelivery:
        return DueDelivery(
            id=row["id"],
            org_id=row["org_id"],
            mode=row["mode"],
            endpoint_id=row["endpoint_id"],
            url=row["url"],
            payload=row["payload"],
            attempts=row["attempts"],
            endpoint_secret=row["endpoint_secret"],
            endpoint_disabled=bool(row["endpoint_disabled"]),
            token=token,
        )

    async def process(self, item: DueDelivery) -> None:
        try:
            result = await self.attempt(item)
        except Exception as exc:
            # A bug: back off rather than spin on the row.
            log.exception("webhook attempt crashed", extra={"delivery_id": str(item.id)})
            result = self._failed(item, f"internal error: {type(exc).__name__}")
        params = {
            "id": item.id,
            "token": item.token,
            "attempts": result.attempts,
            "error": result.error,
            "delivered": result.delivered,
            "next_in_s": result.retry_in_s,
        }
        try:
            async with self.sessions.begin() as session:
                applied = (await session.execute(_FINISH, params)).first() is not None
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
        retry_in_s = None if self.retry.exhausted(attempts) else self.retry.delay(attempts - 1)
        return Result(delivered=False, attempts=attempts, retry_in_s=retry_in_s, error=error)

    @staticmethod
    def _abandoned(item: DueDelivery, error: str) -> Result:
        """Not attempted and never will be: the target must not receive it."""
        return Result(delivered=False, attempts=item.attempts, retry_in_s=None, error=error)
