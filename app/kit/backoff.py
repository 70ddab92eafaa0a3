"""Retry timing: capped exponential backoff with jitter, and when to give up."""

import random
from dataclasses import dataclass


def backoff_delay(attempt: int, base_s: float, cap_s: float) -> float:
    """Delay before retry number ``attempt`` (0-based): ``min(cap, base·2^n)``, jittered to
    between half and all of it so that failing rows do not retry in lockstep."""
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 32)))
    return float(ceiling * random.uniform(0.5, 1.0))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """One policy for every job's failed attempts."""

    base_s: float
    cap_s: float
    max_attempts: int

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before retry number ``attempt`` (0-based); at least what the other side asked."""
        return max(backoff_delay(attempt, self.base_s, self.cap_s), retry_after or 0.0)

    def exhausted(self, attempts: int) -> bool:
        """Whether ``attempts`` made so far are all this policy allows."""
        return attempts >= self.max_attempts
