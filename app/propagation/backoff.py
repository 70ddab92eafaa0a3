"""Capped exponential backoff with jitter."""

import random


def backoff_delay(attempt: int, base_s: float, cap_s: float) -> float:
    """Delay before retry number ``attempt`` (0-based): ``min(cap, base·2^n)``, jittered to
    between half and all of it so that failing rows do not retry in lockstep."""
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 32)))
    return float(ceiling * random.uniform(0.5, 1.0))
