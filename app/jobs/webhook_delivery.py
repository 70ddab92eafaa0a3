"""Webhook delivery: due outbox rows are claimed fairly under a lease (``webhook_claim``),
POSTed signed, and their result written back guarded by the lease. Delivery is at least once:
receivers de-duplicate on ``webhook-id``.

The outbox (``webhook_deliveries``) is filled from events, by the statement that writes them
(``app.events.statements``): one row per event and target (each enabled endpoint of its org and
mode subscribed to its type, and the number's ``status_url`` for status updates), so no change
is lost and none is sent before it commits. The body is the event; its id is the
``webhook-id`` of every attempt.

An endpoint's health is written with each outcome: a success clears ``failing_since``, a
failure sets it if unset, and a failure once it is older than
``webhook_disable_after_days`` disables the endpoint (``disabled_reason``) and drops its
pending deliveries.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import RowMapping, text

from app.db.models import Mode
from app.db.tenancy import Tenant
from app.jobs.base import DUE_IN, LeasedTable, QueueJob
from app.jobs.context import JobContext
from app.jobs.webhook_claim import CLAIM_LOCK, LOCK_SQL, fair_claim_params, fair_claim_sql
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
    returning="""t.id, coalesce(t.event_id, t.id) AS message_id, t.org_id, t.mode,
          t.endpoint_id, t.payload, t.attempts,
          -- an endpoint's URL of the moment: a PATCH applies to pending deliveries too
          coalesce((SELECT e.url FROM webhook_endpoints e WHERE e.id = t.endpoint_id), t.url)
              AS url,
          (SELECT e.secret FROM webhook_endpoints e WHERE e.id = t.endpoint_id)
              AS endpoint_secret,
          -- an endpoint deleted by hand counts as disabled: its deliveries are dropped
          coalesce((SELECT e.disabled_at IS NOT NULL FROM webhook_endpoints e
                    WHERE e.id = t.endpoint_id), t.endpoint_id IS NOT NULL)
              AS endpoint_disabled""",
)
_CLAIM = fair_claim_sql(DELIVERIES.returning)

_FINISH = DELIVERIES.write_back_sql(
    f"""
    attempts = :attempts,
    last_error = CAST(:error AS text),
    last_status_code = coalesce(CAST(:status_code AS integer), last_status_code),
    delivered_at = CASE WHEN :delivered THEN clock_timestamp() ELSE delivered_at END,
    next_attempt_at = {DUE_IN}"""
)

_HEALTHY = text(
    """UPDATE webhook_endpoints SET failing_since = NULL
WHERE id = :endpoint_id AND failing_since IS NOT NULL"""
)

# A failure: remember since when the endpoint fails; past the limit, disable it and drop its
# pending deliveries, in the transaction that records the failure.
_FAILING = text(
    """WITH checked AS (
    SELECT id, failing_since IS NOT NULL
           AND failing_since <= clock_timestamp() - make_interval(secs => :disable_after_s)
           AS expired
    FROM webhook_endpoints WHERE id = :endpoint_id AND disabled_at IS NULL FOR UPDATE
), endpoint AS (
    UPDATE webhook_endpoints e SET
        failing_since = coalesce(e.failing_since, clock_timestamp()),
        disabled_at = CASE WHEN c.expired THEN clock_timestamp() END,
        disabled_reason = CASE WHEN c.expired THEN CAST(:reason AS text) END,
        updated_at = CASE WHEN c.expired THEN clock_timestamp() ELSE e.updated_at END
    FROM checked c WHERE e.id = c.id
    RETURNING e.org_id, e.mode, e.id, c.expired
)
UPDATE webhook_deliveries SET next_attempt_at = NULL, lease_owner = NULL,
    -- the failure that disabled the endpoint keeps its own error
    last_error = CASE WHEN id = :delivery_id THEN last_error ELSE :dropped END
WHERE (org_id, mode, endpoint_id) IN (SELECT org_id, mode, id FROM endpoint WHERE expired)
  AND next_attempt_at IS NOT NULL"""
)


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: uuid.UUID
    message_id: uuid.UUID  # the webhook-id: the event's id, the same on every attempt
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
    """What an attempt leaves on the row. ``retry_in_s`` None: no further attempt.
    ``attempted``: the receiver was tried (its health is about this outcome)."""

    delivered: bool
    attempts: int
    retry_in_s: float | None
    error: str | None
    status_code: int | None = None
    attempted: bool = True


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
            concurrency=settings.webhook_worker_concurrency,
            batch_size=settings.worker_batch_size,
            # renewed while an attempt runs (however long), so a live attempt keeps its row
            lease_s=lease_s or settings.worker_lease_s,
            idle_s=settings.worker_idle_sleep_s,
        )
        self.settings: Settings = settings
        self.secret_box: SecretBox = context.secret_box
        self.http = context.http
        self.retry = RetryPolicy(retry_base_s, retry_cap_s, settings.webhook_max_attempts)

    async def claim_rows(self, token: str, limit: int) -> Sequence[RowMapping]:
        """The fair claim (``webhook_claim``) instead of the oldest rows first."""
        s = self.settings
        params = fair_claim_params(
            token, limit, self.lease_s, s.webhook_endpoint_concurrency, s.webhook_tenant_concurrency
        )
        async with self.sessions.begin() as session:
            await session.execute(LOCK_SQL, {"key": CLAIM_LOCK})
            return (await session.execute(_CLAIM, params)).mappings().all()

    async def run_once(self) -> bool:
        claimed = await self.fill()
        if claimed and len(self.in_flight) >= self.concurrency:
            await self.wait_for_slot()
        elif not claimed and self.in_flight:
            # Due rows may be waiting for a slot of their target or tenant: look again as soon
            # as an attempt ends rather than after a blind idle wait.
            await asyncio.wait(
                self.in_flight, timeout=self.idle_s, return_when=asyncio.FIRST_COMPLETED
            )
            return True
        return claimed > 0

    def to_work(self, row: RowMapping, token: str) -> DueDelivery:
        return DueDelivery(
            id=row["id"],
            message_id=row["message_id"],
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
            "status_code": result.status_code,
            "delivered": result.delivered,
            "next_in_s": result.retry_in_s,
        }
        try:
            async with self.sessions.begin() as session:
                applied = (await session.execute(_FINISH, params)).first() is not None
                if applied and item.endpoint_id is not None and result.attempted:
                    await session.execute(*self._health(item, result))
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

    def _health(self, item: DueDelivery, result: Result) -> tuple[Any, dict[str, Any]]:
        if result.delivered:
            return _HEALTHY, {"endpoint_id": item.endpoint_id}
        days = self.settings.webhook_disable_after_days
        reason = f"every delivery failed for {days:g} days (last error: {result.error})"
        return _FAILING, {
            "endpoint_id": item.endpoint_id,
            "delivery_id": item.id,
            "disable_after_s": days * 86400.0,
            "reason": reason,
            "dropped": ENDPOINT_DISABLED,
        }

    async def attempt(self, item: DueDelivery) -> Result:
        if item.endpoint_disabled:
            return self._abandoned(item, ENDPOINT_DISABLED)
        try:
            destination = await targets.ensure_allowed(item.url, item.mode, self.settings)
        except targets.BlockedTarget as exc:
            return self._abandoned(item, f"blocked target: {exc}")
        except targets.UnresolvedTarget as exc:
            return self._failed(item, str(exc))
        try:
            secret = await self._secret_of(item)
        except SecretBoxError:
            return self._failed(item, "signing secret does not decrypt")
        body = orjson.dumps(item.payload)  # these exact bytes are signed and sent
        headers = signed_headers(secret, str(item.message_id), int(time.time()), body)
        headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
        status, error = await self._post(destination, body, headers)
        if error is None:
            attempts = item.attempts + 1
            return Result(True, attempts, retry_in_s=None, error=None, status_code=status)
        return self._failed(item, error, status)

    async def _post(
        self, destination: targets.Destination, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """The answer's status (None without one) and, unless it is a 2xx, what went wrong.
        The request goes to the address that was checked (``destination``); redirects are not
        followed (their target was never checked) and the response body is never read."""
        timeout_s = self.settings.webhook_timeout_s
        try:
            async with asyncio.timeout(timeout_s):  # a total deadline, not per read
                request = self.http.stream(
                    "POST",
                    destination.url,
                    content=body,
                    headers={**headers, **destination.headers},
                    extensions=destination.extensions,
                    timeout=timeout_s,
                    follow_redirects=False,
                )
                async with request as response:
                    status = response.status_code
        except (TimeoutError, httpx.TimeoutException):
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, f"connection error: {type(exc).__name__}"
        except httpx.InvalidURL:
            return None, "invalid URL"
        return status, None if 200 <= status < 300 else f"HTTP {status}"

    async def _secret_of(self, item: DueDelivery) -> str:
        if item.endpoint_id is not None:
            assert item.endpoint_secret is not None
            return self.secret_box.open(item.endpoint_secret)
        async with self.sessions.begin() as session:
            tenant = Tenant(item.org_id, Mode(item.mode))
            _, secret = await service.signing_secret(session, tenant, self.secret_box)
        return secret

    def _failed(self, item: DueDelivery, error: str, status_code: int | None = None) -> Result:
        """An attempt that failed: retried later, or abandoned once attempts run out."""
        attempts = item.attempts + 1
        retry_in_s = None if self.retry.exhausted(attempts) else self.retry.delay(attempts - 1)
        return Result(False, attempts, retry_in_s, error, status_code)

    @staticmethod
    def _abandoned(item: DueDelivery, error: str) -> Result:
        """Not attempted and never will be: the target must not receive it."""
        return Result(False, item.attempts, retry_in_s=None, error=error, attempted=False)
