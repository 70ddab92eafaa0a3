"""The bulk benchmark's sections at small sizes: each must measure what it claims to (every
link recorded, every number propagated as the fake provider holds it, the right last page).
Timings are the benchmark's business, not asserted here."""

from app.kit.phone import parse_e164
from bench.bulk_api import run_list, run_record
from bench.bulk_propagate import run_guide_loop, run_memory, run_propagation
from bench.bulk_world import number_at
from tests.database import DatabaseServer


def test_numbers_are_distinct_valid_us_long_codes() -> None:
    picks = [0, 9_999, 10_000, 899_999, 900_000, 4_499_999]
    assert len({number_at(i) for i in picks}) == len(picks)
    assert all(parse_e164(number_at(i)).is_us_long_code for i in picks)


def test_record_links_every_item(server: DatabaseServer) -> None:
    result = run_record(server.admin_url, items=2000, runs=2, org_numbers=3000)
    assert len(result.http_s) == len(result.detach_s) == 2
    assert result.answers == [{"total": 2000, "succeeded": 0, "failed": 0, "pending": 2000}] * 2
    assert result.linked_rows == [2000, 2000]
    assert result.after_detach == [0, 0]
    assert result.item_rows == 4000
    assert len(result.floor_statement_s) == 2


def test_propagation_matches_the_provider(server: DatabaseServer) -> None:
    result = run_propagation(
        server.admin_url, numbers=200, limit=2000, workers=2, settle_s=0.05, confirm_poll_s=0.1
    )
    assert result.propagated == 200
    assert result.mismatched == []
    assert result.violations == 0
    assert result.requests >= 400  # a link and a status read per number
    assert result.requests_per_s > 0 and result.links_per_s > 0


def test_memory_is_sampled_while_the_worker_works(server: DatabaseServer) -> None:
    result = run_memory(server.admin_url, pending=20_000, seconds=4, idle_s=1.5)
    assert result.idle_hwm_mb > 0 and result.peak_hwm_mb > 0
    assert result.rss_mb and max(result.rss_mb) <= result.peak_hwm_mb
    assert result.submitted > 0


def test_guide_loop_assigns_every_number() -> None:
    result = run_guide_loop(numbers=20, limit=100, settle_s=0.05, sleep_s=0.01)
    assert result.succeeded == 20
    assert result.assigned == 20
    assert result.violations == 0


def test_list_pages_first_and_last(server: DatabaseServer) -> None:
    result = run_list(server.admin_url, numbers=20_000, requests=2)
    assert result.total == 20_000
    assert len(result.first_page) == len(result.last_page) == 100
    assert result.first_page == result.expected_first
    assert result.last_page == result.expected_last
    assert result.last_next_cursor is None
    assert not set(result.first_page) & set(result.last_page)
    assert len(result.first_ms) == len(result.last_ms) == 2
