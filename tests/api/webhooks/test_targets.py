"""Which addresses a live webhook may reach (IPv4 carried inside IPv6 included), and that a
delivery connects to the address it checked, whatever DNS answers afterwards."""

import dataclasses
import ipaddress
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.context import JobContext
from app.jobs.webhook_delivery import DueDelivery, WebhookDeliveryJob
from app.kit.secrets import SecretBox
from app.kit.urls import Address, address_refusal, embedded_ipv4
from app.provider_accounts.registry import ProviderRegistry
from app.webhooks import targets
from app.webhooks.signing import new_secret
from tests.support.api import Api, World, data, error_code
from tests.support.app import test_catalog, test_settings

EMBEDDED_PRIVATE = {
    "2002:7f00:1::": "127.0.0.1",  # 6to4
    "2002:a00:1::1": "10.0.0.1",
    "2002:a9fe:a9fe::": "169.254.169.254",
    "64:ff9b::7f00:1": "127.0.0.1",  # NAT64, well-known prefix
    "64:ff9b::c0a8:1": "192.168.0.1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "127.0.0.1",  # Teredo client (bits inverted)
    "2001:0:a00:1:8000:63bf:f7f7:f7f7": "10.0.0.1",  # Teredo server
    "::ffff:127.0.0.1": "127.0.0.1",  # IPv4-mapped
    "::ffff:a9fe:a9fe": "169.254.169.254",
    "::127.0.0.1": "127.0.0.1",  # IPv4-compatible
    "::10.1.2.3": "10.1.2.3",
}


@pytest.mark.parametrize(("address", "inner"), EMBEDDED_PRIVATE.items())
def test_private_ipv4_inside_ipv6_is_refused(address: str, inner: str) -> None:
    parsed = ipaddress.IPv6Address(address)
    assert ipaddress.IPv4Address(inner) in embedded_ipv4(parsed)
    reason = address_refusal(parsed)
    assert reason is not None and f"(embedded {inner})" in reason


@pytest.mark.parametrize(
    "address", ["64:ff9b:1::a00:1", "64:ff9b:1:ffff::808:808", "fe80::1", "fc00::1", "::1"]
)
def test_other_non_public_ipv6_is_refused(address: str) -> None:
    assert address_refusal(ipaddress.IPv6Address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1::1", "64:ff9b::5db8:d822", "::ffff:5db8:d822"]
)
def test_public_addresses_pass(address: str) -> None:
    # NAT64 and IPv4-mapped forms of a public address are routes to it
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["2002:7f00:1::", "64:ff9b::a00:1", "2001:0:4136:e378::1"])
async def test_live_endpoints_refuse_embedded_private_addresses(
    api: Api, world: World, address: str
) -> None:
    response = await api.post(
        "/v1/webhook-endpoints", world.live_key, {"url": f"http://[{address}]/"}
    )
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "address" in response.json()["error"]["details"]["url"]


async def test_live_endpoints_refuse_hosts_resolving_to_embedded_private(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def resolve(host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("2002:a00:1::1")]

    monkeypatch.setattr(targets, "resolve", resolve)
    response = await api.post(
        "/v1/webhook-endpoints", world.live_key, {"url": "https://six-to-four.example/"}
    )
    assert error_code(response) == "VALIDATION_FAILED"
    assert "embedded 10.0.0.1" in response.json()["error"]["details"]["url"]
    # test mode keeps allowing anything (a receiver on loopback during development)
    allowed = await api.post("/v1/webhook-endpoints", world.test_key, {"url": "http://[::1]:9/"})
    assert data(allowed, 201)["url"] == "http://[::1]:9/"


class Rebinding:
    """A resolver that answers with a public address first and a loopback one afterwards."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[Address]:
        self.calls += 1
        answer = "93.184.216.34" if self.calls == 1 else "127.0.0.1"
        return [ipaddress.ip_address(answer)]


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rebinding]:
    resolver = Rebinding()
    monkeypatch.setattr(targets, "resolve", resolver)
    yield resolver


@pytest.mark.parametrize(
    ("url", "pinned", "host", "sni"),
    [
        (
            "https://hooks.example:8443/in?x=1",
            "https://93.184.216.34:8443/in?x=1",
            "hooks.example:8443",
            "hooks.example",
        ),
        ("http://hooks.example/in", "http://93.184.216.34/in", "hooks.example", None),
    ],
)
async def test_delivery_connects_to_the_address_it_checked(
    sessions: async_sessionmaker[AsyncSession],
    rebinding: Rebinding,
    url: str,
    pinned: str,
    host: str,
    sni: str | None,
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    settings = test_settings()
    box = SecretBox(settings.secret_key_list())
    registry = ProviderRegistry(sessions, settings, box, test_catalog())
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        context = JobContext(sessions, settings, box, registry, http)
        job = WebhookDeliveryJob(context)
        item = DueDelivery(
            id=uuid.uuid4(),
            message_id=uuid.uuid4(),
            org_id=uuid.uuid4(),
            mode="live",
            endpoint_id=uuid.uuid4(),
            url=url,
            payload={"type": "x"},
            attempts=0,
            endpoint_secret=box.seal(new_secret()),
            endpoint_disabled=False,
            token="t",
        )
        assert (await job.attempt(item)).delivered
        assert (await job.attempt(dataclasses.replace(item, attempts=1))).error is not None
    await registry.aclose()
    # the first attempt went to the public address it checked, as the original host;
    # the second resolved again, met the loopback answer, and sent nothing
    [request] = seen
    assert str(request.url) == pinned
    assert request.headers["host"] == host
    assert request.extensions.get("sni_hostname") == sni
    assert rebinding.calls == 2
