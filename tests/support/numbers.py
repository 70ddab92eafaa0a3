"""Generators of valid numbers of a given kind (each call a new one)."""

import random

from app.kit.phone import parse_e164


def _fresh(prefix: str, digits: int, region: str, number_type: str | None = None) -> str:
    for _ in range(10_000):
        candidate = f"{prefix}{random.randint(0, 10**digits - 1):0{digits}d}"
        try:
            parsed = parse_e164(candidate)
        except ValueError:
            continue
        if parsed.region_code == region and number_type in (None, parsed.number_type):
            return candidate
    raise AssertionError(f"no valid number for {prefix}")


def toll_free_number() -> str:
    return _fresh("+1800", 7, "US", "toll_free")


def canadian_number() -> str:
    return _fresh("+1416", 7, "CA")


def british_mobile() -> str:
    return _fresh("+447911", 6, "GB", "mobile")
