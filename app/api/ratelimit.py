"""Per-API-key request budget: an in-process token bucket (each API process has its own)."""

import time
import uuid
from dataclasses import dataclass

from app.kit.errors import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class KeyRateLimiter:
    def __init__(self, rate_per_s: float, burst: float | None = None) -> None:
        self.rate = rate_per_s
        self.burst = burst if burst is not None else 2 * rate_per_s
        self._buckets: dict[uuid.UUID, _Bucket] = {}

    def check(self, key_id: uuid.UUID) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            wait = (1 - bucket.tokens) / self.rate
            raise RateLimited(headers={"Retry-After": str(max(1, round(wait + 0.5)))})
        bucket.tokens -= 1
