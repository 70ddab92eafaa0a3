"""Both clients against a ``numlink serve`` process on loopback (API and worker, the sandbox
propagating on its own): the waiting helpers wait for real, webhooks arrive signed and verify,
and the sync client's timeouts and connection errors meet real sockets."""

import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from numlink_client import APITimeoutError, AsyncNumlink, Numlink, errors, webhooks
from numlink_client.models import BulkCounts, BulkTask
from tests.cli.test_bulk import Gateway, gateway
from tests.client.routes import CALLED
from tests.support.api import us_number
from tests.support.committed import wait_until
from tests.support.processes import free_port
from tests.support.receiver import receiver

__all__ = ["gateway"]  # the served gateway of tests/cli/test_bulk.py, started for this module


def recorded(http: httpx.Client) -> httpx.Client:
    http.event_hooks["request"].append(lambda r: CALLED.add((r.method, r.url.path)))
    return http


def linkable(nl: Numlink) -> str:
    brand = nl.brands.create(provider="sandbox", provider_brand_id=f"B{uuid.uuid4().hex[:8]}")
    campaign = nl.campaigns.create(
        brand_id=brand.id, provider_campaign_id=f"C{uuid.uuid4().hex[:8]}"
    )
    return campaign.id


def test_sync_client_attaches_in_bulk_and_waits(gateway: Gateway) -> None:
    with Numlink(
        gateway.world.test_key, base_url=gateway.base_url, http_client=recorded(httpx.Client())
    ) as nl:
        campaign_id = linkable(nl)
        numbers = [
            nl.phone_numbers.create(number=us_number(), provider="sandbox") for _ in range(4)
        ]
        first = nl.phone_numbers.attach(numbers[0].id, campaign_id=campaign_id)
        assert first.carrier_line_option_status == "pending"
        settled = nl.phone_numbers.wait_until_settled(first.id, timeout=30, interval=0.2)
        assert settled.carrier_line_option_status == "propagated"

        progress: list[BulkTask] = []
        task = nl.bulk_tasks.attach(campaign_id, numbers=[n.number for n in numbers[1:]])
        done = nl.bulk_tasks.wait(task.id, on_progress=progress.append, timeout=30, interval=0.2)
        assert done.status == "completed" and progress[-1] == done
        assert isinstance(done.counts, BulkCounts) and done.counts.succeeded == 3
        assert {i.outcome for i in nl.bulk_tasks.items(task.id, limit=2)} == {"propagated"}

        linked = [n.id for n in nl.phone_numbers.list(campaign_id=campaign_id, limit=1)]
        assert sorted(linked) == sorted(n.id for n in numbers)
        with pytest.raises(errors.NotFoundError) as missing:
            nl.phone_numbers.get(str(uuid.uuid4()))
        assert missing.value.status_code == 404 and missing.value.request_id


async def test_async_client_waits_for_a_served_gateway(gateway: Gateway) -> None:
    async with AsyncNumlink(gateway.world.test_key, base_url=gateway.base_url) as nl:
        number = await nl.phone_numbers.create(number=us_number(), provider="sandbox")
        brand = await nl.brands.create(provider="sandbox", provider_brand_id="SERVED")
        campaign = await nl.campaigns.create(brand_id=brand.id, provider_campaign_id="SERVEDC")
        task = await nl.bulk_tasks.attach(campaign.id, phone_number_ids=[number.id])
        seen: list[str] = []
        done = await nl.bulk_tasks.wait(task.id, on_progress=lambda t: seen.append(t.status))
        assert done.status == "completed" and seen[-1] == "completed"
        settled = await nl.phone_numbers.wait_until_settled(number.id, timeout=30, interval=0.2)
        assert settled.carrier_line_option_status == "propagated"
        with pytest.raises(errors.WaitTimeoutError) as late:
            await nl.phone_numbers.wait_until_settled(
                (await nl.phone_numbers.detach(number.id)).id, timeout=0.0
            )
        assert late.value.last.carrier_line_option_status == "pending"


async def test_webhooks_arrive_signed_and_verify(gateway: Gateway) -> None:
    async with AsyncNumlink(gateway.world.test_key, base_url=gateway.base_url) as nl:
        with receiver() as rx:
            endpoint = await nl.webhook_endpoints.create(url=rx.url("/hooks"))
            signing = await nl.webhook_endpoints.signing_secret()
            number = await nl.phone_numbers.create(
                number=us_number(), provider="sandbox", status_url=rx.url("/status")
            )
            brand = await nl.brands.create(provider="sandbox", provider_brand_id="HOOKED")
            campaign = await nl.campaigns.create(brand_id=brand.id, provider_campaign_id="HOOKC")
            await nl.phone_numbers.attach(number.id, campaign_id=campaign.id)
            await nl.phone_numbers.wait_until_settled(number.id, timeout=30, interval=0.2)

            async def both_statuses() -> bool:
                return len(rx.to("/status")) >= 2

            await wait_until(both_statuses, timeout_s=30)
            await nl.webhook_endpoints.delete(endpoint.id)
        mine = [r for r in rx.to("/hooks") if number.number.encode() in r.body]
        for delivered, secret in [(r, endpoint.secret) for r in mine] + [
            (r, signing.secret) for r in rx.to("/status")
        ]:
            event = webhooks.verify(delivered.body, delivered.headers, secret)
            assert event.data["number"] == number.number
        statuses = [
            webhooks.verify(r.body, r.headers, signing.secret).data["carrier_line_option_status"]
            for r in rx.to("/status")
        ]
        assert statuses[:2] == ["pending", "propagated"] and mine
        with pytest.raises(errors.WebhookVerificationError):
            webhooks.verify(mine[0].body, mine[0].headers, signing.secret)  # not its secret


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_timeouts_and_refused_connections(silent_port: int) -> None:
    with Numlink("am_test_x", base_url=f"http://127.0.0.1:{silent_port}", timeout=0.2) as slow:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            slow.with_options(max_retries=1).phone_numbers.get("x")
        assert 0.4 <= time.monotonic() - started < 5  # two attempts of 0.2 s, and a backoff
    nowhere = f"http://127.0.0.1:{free_port()}"
    with (
        Numlink("am_test_x", base_url=nowhere, max_retries=0) as gone,
        pytest.raises(errors.APIConnectionError, match="cannot reach"),
    ):
        gone.brands.get("x")


def test_the_documented_examples_run(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/client.md's Python blocks, in order, in one namespace, as a reader would run them
    (the key and address from the environment)."""
    monkeypatch.setenv("NUMLINK_API_KEY", gateway.other.test_key)
    monkeypatch.setenv("NUMLINK_URL", gateway.base_url)
    text = (Path(__file__).parents[2] / "docs" / "client.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 4
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks:
        exec(compile(block, "docs/client.md", "exec"), namespace)
    client = namespace["client"]
    assert isinstance(client, Numlink)
    settled = [n.carrier_line_option_status for n in client.phone_numbers.list()]
    assert settled.count("propagated") == 6  # 1 + 3 in the sync quick start, 2 in the async one


def test_the_readme_walkthrough_runs(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NUMLINK_API_KEY", gateway.world.test_key)
    monkeypatch.setenv("NUMLINK_URL", gateway.base_url)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (walkthrough,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "()" in b]
    assert len(walkthrough.splitlines()) <= 15
    exec(compile(walkthrough, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "propagated" and printed[1].startswith("404 NOT_FOUND ")
