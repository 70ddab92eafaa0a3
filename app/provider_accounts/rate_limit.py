"""Provider rate limits shared by every process: a token bucket row in PostgreSQL that learns
the provider's real limit.

Each HTTP request to a provider reserves a token first. A reservation always succeeds and
returns how long to wait (the bucket may go negative: that is the queue), so waiting callers
are paced in arrival order with one statement each and no polling.

The rate adapts (AIMD, ``AdaptiveRate``), in the row, so every worker shares what any of them
learned. Users guess their provider's limit (Telnyx publishes none for 10DLC), so the
configured rate is a ceiling, not a promise:

- a 429 pauses the account for its ``Retry-After`` (or ``x-ratelimit-reset``) and cuts the
  rate by ``decrease``, at most once per ``cooldown_s`` (the answers to requests already sent
  are still arriving). A 429 whose answer says budget is left (``x-ratelimit-remaining`` ≥ 1)
  was not about this account's rate: only the refused request waits (its retry honours
  ``Retry-After``), the account goes on;
- answers telling the budget (``x-ratelimit-limit``/``remaining``) steer before any 429: below
  ``HEADROOM_LOW`` of it left the rate eases (by ``EASE``), below ``HEADROOM_HIGH`` it stops
  climbing;
- otherwise each reservation climbs the rate by ``increase / rate``: ``increase`` per second of
  traffic, back to the configured rate.

A pause or a cut moves the row's ``epoch`` and forgives the queue: requests still waiting on
an older reservation reserve again (a process learns the epoch from its own statements, and
one that waited long reads it before sending), so the new pace holds at once for all workers
instead of after the queue built at the old one has been sent.

Work nobody is waiting for (scheduled syncs and audits) runs at low priority: inside
``low_priority()`` a request takes a token only while the bucket holds at least half its burst,
i.e. while no user-driven request is queued, and otherwise waits and asks again, so it never
queues ahead of user traffic.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from app.db.engine import SessionMaker
from providers.http import RateSignal

HEADROOM_LOW = 0.2  # less of the provider's budget left than this: slow down
HEADROOM_HIGH = 0.5  # less than this: stop climbing
EASE = 0.95  # the gentle cut of an early warning (budget nearly spent, nothing refused yet)
HEADROOM_FRESH_S = 1.0  # how long what an answer said about the budget steers reservations
RECHECK_AFTER_S = 0.25  # a request that waited this long reads the epoch before it is sent

# the rate in use: the learned one, never above the configured one (which may have changed)
_CURRENT = """
cur AS (
    SELECT key, clock_timestamp() AS now, epoch, cut_at, paused_until,
           LEAST(:rate_max, COALESCE(rate, :rate_max)) AS r, tokens, updated_at
    FROM rate_buckets WHERE key = :key FOR UPDATE
), d AS (
    SELECT *, LEAST(:burst, tokens + EXTRACT(EPOCH FROM now - updated_at) * r) AS refilled,
           (cut_at IS NULL OR now - cut_at >= make_interval(secs => :cooldown_s)) AS may_cut
    FROM cur
)"""
_RETURNING = """RETURNING b.tokens, b.rate, b.epoch,
    EXTRACT(EPOCH FROM b.paused_until - b.updated_at) AS paused_s"""

_ENSURE = text(
    "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (:key, :burst, clock_timestamp())"
    " ON CONFLICT (key) DO NOTHING"
)

# one request: climb (or cut, when the last answer said the budget is nearly spent)
_RESERVE = text(
    f"""WITH {_CURRENT}, n AS (
    SELECT *, may_cut AND COALESCE(CAST(:headroom AS float8) < :low, false) AS cut FROM d
)
UPDATE rate_buckets b SET
    rate = CASE WHEN n.cut THEN GREATEST(:rate_min, n.r * :ease)
                WHEN n.may_cut AND COALESCE(CAST(:headroom AS float8) >= :high, true)
                THEN LEAST(:rate_max, n.r + :increase / n.r)
                ELSE n.r END,
    cut_at = CASE WHEN n.cut THEN n.now ELSE n.cut_at END,
    epoch = n.epoch + CASE WHEN n.cut THEN 1 ELSE 0 END,
    tokens = CASE WHEN n.cut THEN GREATEST(n.refilled, 0) ELSE n.refilled END - 1,
    updated_at = n.now
FROM n WHERE b.key = n.key
{_RETURNING}"""
)

# a 429 for the account's rate: everyone waits ``pause_s`` and the rate is cut (once per
# cooldown). At most a burst is saved up for the pause's end; the queue re-forms behind it.
_THROTTLED = text(
    f"""WITH {_CURRENT}, n AS (
    SELECT *, CASE WHEN may_cut THEN GREATEST(:rate_min, r * :decrease) ELSE r END AS new_r,
           may_cut AS cut
    FROM d
)
UPDATE rate_buckets b SET
    rate = n.new_r,
    cut_at = CASE WHEN n.cut THEN n.now ELSE n.cut_at END,
    epoch = n.epoch + 1,
    paused_until = GREATEST(n.paused_until, n.now + make_interval(secs => :pause_s)),
    tokens = LEAST(GREATEST(n.refilled, 0), :burst - :pause_s * n.new_r),
    updated_at = n.now
FROM n WHERE b.key = n.key
{_RETURNING}"""
)

_STATE = text(
    "SELECT epoch, EXTRACT(EPOCH FROM paused_until - clock_timestamp()) AS paused_s"
    " FROM rate_buckets WHERE key = :key"
)

# the configured rate, as is (adaptation off)
_RESERVE_FIXED = text(
    """
INSERT INTO rate_buckets AS b (key, tokens, updated_at)
VALUES (:key, :burst - 1, clock_timestamp())
ON CONFLICT (key) DO UPDATE SET
    tokens = LEAST(:burst, b.tokens
                   + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * :rate_max) - 1,
    updated_at = clock_timestamp()
RETURNING tokens, CAST(:rate_max AS float8) AS rate, epoch, NULL AS paused_s
"""
)
_PAUSE_FIXED = text(
    """
UPDATE rate_buckets SET
    tokens = LEAST(tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * :rate_max,
                   -:pause_s * :rate_max),
    updated_at = clock_timestamp()
WHERE key = :key
RETURNING tokens, CAST(:rate_max AS float8) AS rate, epoch, NULL AS paused_s
"""
)

# taken only while the bucket is this full (and not paused), and in no case queued
_TAKE_IF_IDLE = text(
    """
WITH b AS (
    SELECT key, LEAST(:burst, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at)
                      * LEAST(:rate_max, COALESCE(rate, :rate_max))) AS refilled,
           COALESCE(paused_until > clock_timestamp(), false) AS paused
    FROM rate_buckets WHERE key = :key FOR UPDATE
), took AS (
    UPDATE rate_buckets r SET tokens = b.refilled - 1, updated_at = clock_timestamp()
    FROM b WHERE r.key = b.key AND b.refilled >= :floor AND NOT b.paused
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


@dataclass(frozen=True, slots=True)
class AdaptiveRate:
    """How the shared rate learns (``NUMLINK_PROVIDER_ADAPTIVE_RATE`` and friends)."""

    enabled: bool = True
    decrease: float = 0.7
    increase: float = 0.05  # of the configured rate, per second of traffic
    floor: float = 0.1  # of the configured rate
    cooldown_s: float = 1.0


class SharedBucket:
    def __init__(
        self,
        sessions: SessionMaker,
        key: str,
        rate_per_s: float,
        burst: float,
        adaptive: AdaptiveRate = AdaptiveRate(),
    ) -> None:
        self.key = key
        self.rate = rate_per_s  # the configured rate: the ceiling
        self.burst = max(1.0, burst)
        self.adaptive = adaptive
        self._sessions = sessions
        self._ensured = not adaptive.enabled
        self._params = {
            "key": key,
            "rate_max": rate_per_s,
            "rate_min": rate_per_s * adaptive.floor,
            "burst": self.burst,
            "decrease": adaptive.decrease,
            "ease": EASE,
            "increase": rate_per_s * adaptive.increase,
            "cooldown_s": adaptive.cooldown_s,
            "low": HEADROOM_LOW,
            "high": HEADROOM_HIGH,
        }
        # what this process last learned from the row, and from the provider's answers
        self.current_rate = rate_per_s
        self._epoch = 0
        self._paused_until = 0.0  # monotonic
        self._headroom: tuple[float, float] | None = None  # (share left, monotonic when)

    async def _run(self, statement: Any, **params: Any) -> tuple[float, int, float]:
        """Runs a bucket statement; returns (tokens, epoch, seconds paused) and learns them."""
        async with self._sessions.begin() as session:
            if not self._ensured:
                await session.execute(_ENSURE, {"key": self.key, "burst": self.burst})
            row = (await session.execute(statement, {**self._params, **params})).first()
        self._ensured = True
        if row is None:  # paused before any reservation made the row: nothing to pause
            return 0.0, self._epoch, 0.0
        self.current_rate = float(row.rate)
        self._learn(int(row.epoch), row.paused_s)
        return float(row.tokens), int(row.epoch), max(0.0, float(row.paused_s or 0.0))

    def _learn(self, epoch: int, paused_s: Any) -> None:
        if epoch > self._epoch:
            self._epoch = epoch
        if paused_s is not None and float(paused_s) > 0:
            self._paused_until = max(self._paused_until, time.monotonic() + float(paused_s))

    async def take(self) -> float:
        """Reserve one request; sleeps until it may be sent. Returns the seconds waited."""
        waited = 0.0
        while True:
            statement = _RESERVE if self.adaptive.enabled else _RESERVE_FIXED
            tokens, epoch, paused_s = await self._run(statement, headroom=self._fresh_headroom())
            wait = max(0.0, -tokens / self.current_rate, paused_s)
            if wait > 0:
                await asyncio.sleep(wait)
                waited += wait
            if not self.adaptive.enabled:
                return waited
            if wait >= RECHECK_AFTER_S:
                await self._refresh()
            if epoch >= self._epoch and time.monotonic() >= self._paused_until:
                return waited

    def _fresh_headroom(self) -> float | None:
        """The budget the latest answer told of, while it still says something (a second)."""
        if self._headroom is None or time.monotonic() - self._headroom[1] > HEADROOM_FRESH_S:
            return None
        return self._headroom[0]

    async def _refresh(self) -> None:
        async with self._sessions.begin() as session:
            row = (await session.execute(_STATE, {"key": self.key})).one()
        self._learn(int(row.epoch), row.paused_s)

    async def take_when_idle(self) -> float:
        """Reserve one request at low priority: only from a bucket at least half full."""
        floor = max(1.0, self.burst / 2)
        params = {"key": self.key, "rate_max": self.rate, "burst": self.burst, "floor": floor}
        waited = 0.0
        while True:
            async with self._sessions.begin() as session:
                row = (await session.execute(_TAKE_IF_IDLE, params)).first()
            if row is None:  # a bucket nobody used yet
                return waited + await self.take()
            if row.took:
                return waited
            wait = max(1.0, floor - float(row.refilled)) / self.current_rate
            await asyncio.sleep(wait)
            waited += wait

    async def observe(self, signal: RateSignal) -> None:
        """What an answer said: a 429 for the account's rate pauses everyone (and may cut the
        rate); the budget left steers the next reservation."""
        if signal.headroom is not None:
            self._headroom = (signal.headroom, time.monotonic())
        if not signal.throttled:
            return
        pause_s = signal.retry_after_s if signal.retry_after_s is not None else 1.0
        if not self.adaptive.enabled:
            await self._run(_PAUSE_FIXED, pause_s=pause_s)
        elif signal.remaining is None or signal.remaining < 1:
            await self._run(_THROTTLED, pause_s=pause_s)
        # else the answer says budget is left: the refusal was not about this account's rate,
        # and the refused request's own retry waits its Retry-After (app.kit.backoff)


class LimitedTransport(httpx.AsyncBaseTransport):
    """One account's view of the shared connection pool: every request takes a token, every
    answer tells the bucket what the provider said about its rate."""

    def __init__(
        self,
        pool: httpx.AsyncBaseTransport,
        bucket: SharedBucket,
        read_signal: Callable[[int, Mapping[str, str]], RateSignal],
    ) -> None:
        self._pool = pool
        self._bucket = bucket
        self._read_signal = read_signal

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if LOW_PRIORITY.get():
            await self._bucket.take_when_idle()
        else:
            await self._bucket.take()
        response = await self._pool.handle_async_request(request)
        await self._bucket.observe(self._read_signal(response.status_code, response.headers))
        return response

    async def aclose(self) -> None:
        """The pool is shared and closed by its owner."""
