"""Provider rate limits shared by every process: a token bucket row in PostgreSQL.

Each HTTP request to a provider reserves a token first. A reservation always succeeds and
returns how long to wait (the bucket may go negative: that is the queue), so waiting callers
are paced in arrival order with one statement each and no polling. A 429 from the provider
drains the bucket for its Retry-After, pausing every worker on that account.

Work nobody is waiting for (scheduled syncs and audits) runs at low priority: inside
``low_priority()`` a request takes a token only while the bucket holds at least half its burst,
i.e. while no user-driven request is queued, and otherwise waits and asks again, so it never
queues ahead of user traffic.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import httpx
from sqlalchemy import text

from app.db.engine import SessionMaker
from providers.http import retry_after_s

_RESERVE = text(
    """
INSERT INTO rate_buckets AS b (key, tokens, updated_at)
VALUES (:key, :burst - 1, clock_timestamp())
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(:burst, b.tokens
                   + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate) - 1,
    updated_at = clock_timestamp()
RETURNING tokens
"""
)

_PAUSE = text(
    """
UPDATE rate_buckets SET
    tokens = LEAST(tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate,
                   -:seconds * :rate),
    updated_at = clock_timestamp()
WHERE key = :key
"""
)


# taken only while the bucket is this full, and in no case queued
_TAKE_IF_IDLE = text(
    """
WITH b AS (
    SELECT key, LEAST(:burst, tokens
                      + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate) AS refilled
    FROM rate_buckets WHERE key = :key FOR UPDATE
), took AS (
    UPDATE rate_buckets r SET tokens = b.refilled - 1, updated_at = clock_timestamp()
    FROM b WHERE r.key = b.key AND b.refilled >= :floor
    RETURNING r.key
)
SELECT b.refilled, EXISTS (SELECT 1 FROM took) AS took FROM b
"""
)

LOW_PRIORITY: ContextVar[bool] = ContextVar("numlink_low_priority", default=False)


@contextlib.contextmanager
def low_priority(enabled: bool = True) -> Iterator[None]:
    """Provider requests made inside (in this task) yield to user-driven ones."""
    token = LOW_PRIORITY.set(enabled)
    try:
        yield
    finally:
        LOW_PRIORITY.reset(token)


class SharedBucket:
    def __init__(self, sessions: SessionMaker, key: str, rate_per_s: float, burst: float) -> None:
        self.key = key
        self.rate = rate_per_s
        self.burst = max(1.0, burst)
        self._sessions = sessions

    async def take(self) -> float:
        """Reserve one request; sleeps until it may be sent. Returns the seconds waited."""
        params = {"key": self.key, "rate": self.rate, "burst": self.burst}
        async with self._sessions.begin() as session:
            tokens = (await session.execute(_RESERVE, params)).scalar_one()
        wait = max(0.0, -float(tokens) / self.rate)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    async def take_when_idle(self) -> float:
        """Reserve one request at low priority: only from a bucket at least half full."""
        floor = max(1.0, self.burst / 2)
        params = {"key": self.key, "rate": self.rate, "burst": self.burst, "floor": floor}
        waited = 0.0
        while True:
            async with self._sessions.begin() as session:
                row = (await session.execute(_TAKE_IF_IDLE, params)).first()
            if row is None:  # a bucket nobody used yet
                return waited + await self.take()
            if row.took:
                return waited
            wait = max(1.0, floor - float(row.refilled)) / self.rate
            await asyncio.sleep(wait)
            waited += wait

    async def pause(self, seconds: float) -> None:
        params = {"key": self.key, "rate": self.rate, "seconds": seconds}
        async with self._sessions.begin() as session:
            await session.execute(_PAUSE, params)


class LimitedTransport(httpx.AsyncBaseTransport):
    """One account's view of the shared connection pool: every request takes a token."""

    def __init__(self, pool: httpx.AsyncBaseTransport, bucket: SharedBucket) -> None:
        self._pool = pool
        self._bucket = bucket

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if LOW_PRIORITY.get():
            await self._bucket.take_when_idle()
        else:
            await self._bucket.take()
        response = await self._pool.handle_async_request(request)
        if response.status_code == 429:
            await self._bucket.pause(retry_after_s(response.headers) or 1.0)
        return response

    async def aclose(self) -> None:
        """The pool is shared and closed by its owner."""
