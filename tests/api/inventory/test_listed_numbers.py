"""Numbers read in bulk are classified per North American exchange: the same answers as one by
one, for every kind of number."""

import random

import pytest

from app.kit.phone import parse_e164, parse_listed
from tests.support.numbers import british_mobile, canadian_number, toll_free_number


def answer(parse: object, raw: str) -> object:
    try:
        parsed = parse(raw)  # type: ignore[operator]
    except ValueError:
        return "invalid"
    return (parsed.e164, parsed.region_code, parsed.number_type)


def test_same_answers_as_one_by_one() -> None:
    rng = random.Random(7)
    numbers = [toll_free_number(), canadian_number(), british_mobile(), "+12025550100", "+1123"]
    for _ in range(300):
        exchange = f"+1{rng.randint(200, 999)}{rng.randint(0, 999):03d}"
        numbers += [f"{exchange}{rng.randint(0, 9999):04d}" for _ in range(10)]
    for raw in numbers:
        assert answer(parse_listed, raw) == answer(parse_e164, raw), raw


@pytest.mark.parametrize("raw", ["+11234567890", "+1202555010", "14155552671"])
def test_invalid_ones_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_listed(raw)
