"""HTTP details every adapter reads the same way."""

import email.utils
import time
from collections.abc import Mapping


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
