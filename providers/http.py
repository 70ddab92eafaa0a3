"""HTTP details every adapter reads the same way."""

import email.utils
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date), else from
    ``x-ratelimit-reset`` (epoch seconds or seconds to go); None when neither says."""
    for name in ("retry-after", "x-ratelimit-reset"):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            try:
                value = email.utils.parsedate_to_datetime(raw).timestamp()
            except (TypeError, ValueError):
                continue
        return max(0.0, value - time.time()) if value > 1e9 else max(0.0, value)
    return None


@dataclass(frozen=True, slots=True)
class RateSignal:
    """What one answer says about the account's rate limit, for the gateway's shared rate."""

    throttled: bool  # 429: the provider refused the request for its rate
    retry_after_s: float | None  # a 429's wait (``Retry-After``, else ``x-ratelimit-reset``)
    limit: float | None  # ``x-ratelimit-limit``: the budget of the provider's window or bucket
    remaining: float | None  # ``x-ratelimit-remaining``: what is left of it

    @property
    def headroom(self) -> float | None:
        """The share of the provider's budget left (0..1), when the answer says."""
        if self.limit is None or self.remaining is None or self.limit <= 0:
            return None
        return min(1.0, max(0.0, self.remaining / self.limit))


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def read_rate_signal(status: int, headers: Mapping[str, str]) -> RateSignal:
    """The signal of an answer with the common headers (``Retry-After``,
    ``x-ratelimit-limit/remaining/reset``); a provider whose headers differ gives its own
    reader in its descriptor."""
    throttled = status == 429
    return RateSignal(
        throttled,
        retry_after_s(headers) if throttled else None,
        _number(headers, "x-ratelimit-limit"),
        _number(headers, "x-ratelimit-remaining"),
    )
