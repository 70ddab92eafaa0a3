"""The fake Telnyx server, driven through the real Telnyx adapter and plain httpx."""

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from providers.base import LinkState, ProviderRejectedError, ProviderTemporaryError
from providers.telnyx import TelnyxProvider
from tests.providers.telnyx.fake_server import FakeTelnyx, FaultRates

REPO_ROOT = Path(__file__).resolve().parents[3]
NUMBER = "+14155550100"
SETTLE_S = 0.2  # long enough to see PENDING on a slow machine


@asynccontextmanager
async def provider_for(
    fake: FakeTelnyx, key: str = "KEY", timeout_s: float = 2.0
) -> AsyncIterator[TelnyxProvider]:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        yield TelnyxProvider(client, key, fake.base_url)


@pytest.fixture
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx(api_key="KEY", settle_after_s=SETTLE_S, fail_numbers={"+14155550199"}) as f:
        yield f


async def test_link_settles_then_move_and_unlink(fake: FakeTelnyx) -> None:
    async with provider_for(fake) as telnyx:
        assert (await telnyx.get_link_status(NUMBER)).state is LinkState.UNLINKED
        await telnyx.link(NUMBER, "CAMP1")
        pending = await telnyx.get_link_status(NUMBER)
        assert (pending.state, pending.campaign_ref) == (LinkState.PENDING, "CAMP1")
        assert fake.assignments == {NUMBER: ("CAMP1", "PENDING_ASSIGNMENT")}
        await asyncio.sleep(SETTLE_S * 1.5)
        linked = await telnyx.get_link_status(NUMBER)
        assert (linked.state, linked.campaign_ref) == (LinkState.LINKED, "CAMP1")

        await telnyx.move(NUMBER, "CAMP1", "CAMP2")
        assert fake.assignments == {NUMBER: ("CAMP2", "PENDING_ASSIGNMENT")}
        await telnyx.unlink(NUMBER, "CAMP2")
        unlinking = await telnyx.get_link_status(NUMBER)
        assert (unlinking.state, unlinking.campaign_ref) == (LinkState.PENDING, None)
        await asyncio.sleep(SETTLE_S * 1.5)
        assert (await telnyx.get_link_status(NUMBER)).state is LinkState.UNLINKED
        assert fake.assignments == {}
    stats = fake.stats
    assert stats.requests["POST assignments"] == 1
    assert stats.requests["PUT assignment"] == 1
    assert stats.requests["DELETE assignment"] == 1


async def test_failing_number_and_account_reads(fake: FakeTelnyx) -> None:
    async with provider_for(fake) as telnyx:
        await telnyx.link("+14155550199", "CAMP1")
        await asyncio.sleep(SETTLE_S * 1.5)
        failed = await telnyx.get_link_status("+14155550199")
        assert (failed.state, failed.campaign_ref) == (LinkState.FAILED, "CAMP1")
        assert failed.reason is not None and "not eligible" in failed.reason

        campaign = await telnyx.get_campaign("CAMP1")
        assert (campaign.status, campaign.provider_status) == ("ACTIVE", "MNO_PROVISIONED")
        brand = await telnyx.get_brand("BRAND1")
        assert (brand.identity_status, brand.status) == ("VERIFIED", "ACTIVE")
        number = await telnyx.get_number(NUMBER)
        assert number.assigned and number.sms_enabled


async def test_second_link_is_refused_and_wrong_key_is_401(fake: FakeTelnyx) -> None:
    async with provider_for(fake) as telnyx:
        await telnyx.link(NUMBER, "CAMP1")
        with pytest.raises(ProviderRejectedError, match="already assigned"):
            await telnyx.link(NUMBER, "CAMP2")
    async with provider_for(fake, key="WRONG") as intruder:
        with pytest.raises(ProviderRejectedError, match="HTTP 401"):
            await intruder.get_brand("BRAND1")
    assert fake.stats.unauthorized == 1
    assert fake.assignments[NUMBER][0] == "CAMP1"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("server_error", r"HTTP 50[023]"),
        ("rate_limited", "rate limited"),
        ("timeout", "timed out"),
        ("reset", "connection failed"),
        ("html", "non-JSON response"),
    ],
)
async def test_each_fault_is_a_temporary_error(kind: str, message: str) -> None:
    rates = FaultRates(**{kind: 1.0}, after_change=0.0)
    with FakeTelnyx(faults=rates, hang_s=1.0, retry_after_s=0.25, seed=1) as fake:
        async with provider_for(fake, timeout_s=0.3) as telnyx:
            with pytest.raises(ProviderTemporaryError, match=message) as caught:
                await telnyx.link(NUMBER, "CAMP1")
        assert fake.assignments == {}  # the fault came before the change
        assert fake.stats.faults == {kind: 1}
    if kind == "rate_limited":
        assert caught.value.retry_after == 0.25
        assert fake.stats.throttled == {"fault": 1}


async def test_slow_answer_arrives_late_but_whole() -> None:
    with FakeTelnyx(faults=FaultRates(slow=1.0), slow_s=0.2) as fake:
        async with provider_for(fake) as telnyx:
            started = time.monotonic()
            await telnyx.link(NUMBER, "CAMP1")
            assert time.monotonic() - started >= 0.2
        assert NUMBER in fake.assignments
        assert fake.stats.faults == {"slow": 1}


async def test_fault_after_the_change_leaves_the_change_applied() -> None:
    with FakeTelnyx(faults=FaultRates(reset=1.0, after_change=1.0), seed=2) as fake:
        async with provider_for(fake) as telnyx:
            with pytest.raises(ProviderTemporaryError, match="connection failed"):
                await telnyx.link(NUMBER, "CAMP1")
            assert fake.assignments[NUMBER][0] == "CAMP1"
            assert fake.stats.faults_after_change == 1
            # a blind retry of the create now meets the assignment it already made
            fake.faults = FaultRates()
            with pytest.raises(ProviderRejectedError, match="already assigned"):
                await telnyx.link(NUMBER, "CAMP1")


async def test_same_seed_same_faults() -> None:
    async def outcomes(seed: int) -> list[str]:
        seen = []
        with FakeTelnyx(faults=FaultRates(server_error=0.5), seed=seed) as fake:
            async with provider_for(fake) as telnyx:
                for _ in range(20):
                    try:
                        await telnyx.get_brand("BRAND1")
                        seen.append("ok")
                    except ProviderTemporaryError as exc:
                        seen.append(exc.reason)
        return seen

    first = await outcomes(7)
    assert first == await outcomes(7)
    assert "ok" in first and len(set(first)) > 1


async def test_requests_over_the_bucket_get_429_and_count_as_violations() -> None:
    with FakeTelnyx(rate_per_s=2, burst=5) as fake:
        async with provider_for(fake) as telnyx:
            results = await asyncio.gather(
                *(telnyx.get_brand("BRAND1") for _ in range(15)), return_exceptions=True
            )
            refused = [r for r in results if isinstance(r, ProviderTemporaryError)]
            assert len(refused) == 10 and len(results) - len(refused) == 5
            assert all(r.retry_after is not None and 0 < r.retry_after <= 0.5 for r in refused)
        async with httpx.AsyncClient() as client:
            answer = await client.get(
                f"{fake.base_url}/10dlc/brand/B1", headers={"Authorization": "Bearer KEY"}
            )
        assert answer.status_code == 429
        assert answer.headers["x-ratelimit-limit"] == "5"
        assert answer.headers["x-ratelimit-remaining"] == "0"
        assert fake.rate_limit_violations == 11
        assert fake.stats.throttled == {"limit": 11}


async def test_a_client_keeping_to_the_rate_sees_no_violation() -> None:
    with FakeTelnyx(rate_per_s=50, burst=1) as fake:
        async with provider_for(fake) as telnyx:
            for _ in range(5):
                await telnyx.get_brand("BRAND1")
                await asyncio.sleep(0.03)
        assert fake.rate_limit_violations == 0


async def test_process_mode_prints_url_serves_state_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.providers.telnyx.fake_server", "--port", "0",
        "--rate", "50", "--error-rate", "0", "--settle-s", "0", "--seed", "3",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v2")
        async with httpx.AsyncClient(timeout=2) as client:
            await TelnyxProvider(client, "KEY", base_url).link(NUMBER, "CAMP1")
            state = (await client.get(base_url.removesuffix("/v2") + "/_fake/state")).json()
        assert state["assignments"] == {
            NUMBER: {"campaignId": "CAMP1", "assignmentStatus": "ASSIGNED"}
        }
        assert state["stats"]["requests"] == {"POST assignments": 1}
        assert state["rate_limit_violations"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
