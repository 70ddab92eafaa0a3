"""When to read a brand or campaign from its provider again (pure decisions).

A registered object is polled until it settles: a brand until it is FAILED, DELETED, or
ACTIVE with a verified identity; a campaign until it leaves PENDING. A provider that knows
when its object will change (the sandbox) says so, and that time wins. Webhooks and the
periodic refresh follow settled objects."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func

from app.kit.backoff import backoff_delay

SETTLED_BRAND_STATUSES = ("FAILED", "DELETED")


def brand_settled(status: str, identity_status: str) -> bool:
    if status in SETTLED_BRAND_STATUSES:
        return True
    return status == "ACTIVE" and identity_status != "UNVERIFIED"


def campaign_settled(status: str) -> bool:
    return status != "PENDING"


def next_check_s(
    recheck_after_s: float | None, settled: bool, attempts: int, base_s: float, cap_s: float
) -> float | None:
    """Seconds until the next read, or None for none."""
    if recheck_after_s is not None:
        return recheck_after_s
    if settled:
        return None
    return backoff_delay(attempts, base_s, cap_s)


@dataclass(frozen=True, slots=True)
class Polling:
    """How unsettled objects are polled (``NUMLINK_REGISTRATION_POLL_S``, ``…_CAP_S``)."""

    base_s: float
    cap_s: float

    def values(
        self, recheck_after_s: float | None, settled: bool, attempts: int = 0
    ) -> dict[str, Any]:
        """The sync columns after a read: when to read again, and the attempts so far."""
        wait = next_check_s(recheck_after_s, settled, attempts, self.base_s, self.cap_s)
        return {
            "next_attempt_at": None if wait is None else due_in(wait),
            "attempts": 0 if settled else attempts,
        }


def due_in(seconds: float) -> Any:
    return func.clock_timestamp() + timedelta(seconds=seconds)
