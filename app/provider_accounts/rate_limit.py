"""Provider rate limits shared by every process: a token bucket row in PostgreSQL.

Each HTTP request to a provider reserves a token first. A reservation always succeeds and
returns how long to wait (the bucket may go negative: that is the queue), so waiting callers
are paced in arrival order with one statement each and no polling. A 429 from the provider
drains the bucket for its Retry-After, pausing every worker on that account.
"""

import asyncio

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
        await self._bucket.take()
        response = await self._pool.handle_async_request(request)
        if response.status_code == 429:
            await self._bucket.pause(retry_after_s(response.headers) or 1.0)
        return response

    async def aclose(self) -> None:
        """The pool is shared and closed by its owner."""
