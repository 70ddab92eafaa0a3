"""The shared rate learns the provider's real limit: an account configured a third above it,
under 30 % faults, stays almost clear of the limit's 429s and still uses most of the limit.
Bounds are loose (the benchmark, bench/adaptive_rate.py, has the figures)."""

from collections.abc import Callable

from tests.support.adaptive_rate import measure_rate

REAL_LIMIT = 15.0


async def test_a_rate_configured_above_the_limit_adapts_to_it(
    fresh_db: Callable[[], str],
) -> None:
    run = await measure_rate(fresh_db, REAL_LIMIT, 20.0, adaptive=True, window_s=15.0)
    assert run.requests > 0
    # without adaptation about one request in six is refused here (docs/benchmarks.md)
    assert run.refused_share < 0.05, run
    assert run.use_of_limit > 0.75, run
