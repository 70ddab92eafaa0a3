"""Registration state sync from provider events, in the neutral event model: statuses,
identity, failure reasons and per-carrier statuses move; duplicates and older events change
nothing; an event that leaves the state unsaid has the object read again. A provider without
registration operations answers UNSUPPORTED_BY_PROVIDER in both modes."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.base import BrandInfo, CampaignInfo
from providers.catalog import ProviderCatalog
from tests.providers import eventful
from tests.support.api import Api, World, data, error_code
from tests.support.app import test_catalog
from tests.support.registration import brand_body, run_registration_jobs

Sessions = async_sessionmaker[AsyncSession]
START = datetime.now(UTC)


@pytest.fixture(autouse=True)
def events_after_the_objects_are_imported() -> None:
    """Event times a minute after the test starts (not after the module was imported: a long
    run before it would make them older than the objects' first read)."""
    global START
    START = datetime.now(UTC) + timedelta(minutes=1)


def at(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def catalog() -> ProviderCatalog:
    return test_catalog().with_provider(eventful.DESCRIPTOR)


class Account:
    def __init__(self, api: Api, key: str, token: str, hook_path: str) -> None:
        self.api, self.key, self.token, self.hook_path = api, key, token, hook_path
        self.state = eventful.ACCOUNTS.setdefault(token, eventful.Account())

    async def send(self, *events: dict[str, Any]) -> dict[str, Any]:
        response = await self.api.client.post(
            self.hook_path,
            content=orjson.dumps(list(events)),
            headers={eventful.TOKEN_HEADER: self.token, "content-type": "application/json"},
        )
        return dict(data(response))


async def account(world: World) -> Account:
    token = f"tok-{uuid.uuid4().hex[:8]}"
    put = await world.api.request(
        "PUT", "/v1/provider-accounts/eventful", world.live_key, {"token": token}
    )
    hook_path = urlsplit(data(put)["webhook_url"]).path
    return Account(world.api, world.live_key, token, hook_path)


async def test_brand_events(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    acct = await account(world)
    acct.state.brands["EB1"] = BrandInfo("EB1", "Eventful", "UNVERIFIED", "PENDING")
    body = {"provider": "eventful", "provider_brand_id": "EB1"}
    brand = data(await acct.api.post("/v1/brands", acct.key, body), 201)
    path = f"/v1/brands/{brand['id']}"
    step = {"kind": "brand", "id": "EB1", "step": "registration", "outcome": "accepted"}
    receipt = await acct.send(
        {**step, "event_id": "e1", "at": at(2), "status": "ACTIVE",
         "identity": "VERIFIED", "reasons": []}
    )  # fmt: skip
    assert receipt == {"events": 1, "duplicates": 0, "rows_changed": 1}
    assert data(await acct.api.get(path, acct.key))["status"] == "ACTIVE"
    # the same event again, and an older one saying otherwise: nothing changes
    again = await acct.send({**step, "event_id": "e1", "at": at(2)})
    assert again["duplicates"] == 1
    older = {"event_id": "e0", "at": at(1), "status": "FAILED"}
    assert (await acct.send({**step, **older, "reasons": ["old"]}))["rows_changed"] == 0
    current = data(await acct.api.get(path, acct.key))
    assert (current["status"], current["failure_reasons"]) == ("ACTIVE", [])
    # an event that does not say the state: the brand is read again
    acct.state.brands["EB1"] = BrandInfo("EB1", "Eventful", "VETTED_VERIFIED", "ACTIVE")
    vetting = {"kind": "brand", "id": "EB1", "step": "vetting", "event_id": "e2"}
    await acct.send({**vetting, "at": at(3)})
    assert data(await acct.api.get(path, acct.key))["identity_status"] == "VERIFIED"
    assert await run_registration_jobs(sessions, settings, catalog) == 1
    assert data(await acct.api.get(path, acct.key))["identity_status"] == "VETTED_VERIFIED"
    # a failure with its reasons
    failed = {"event_id": "e3", "at": at(4), "status": "FAILED"}
    await acct.send({**step, **failed, "outcome": "rejected", "reasons": ["TAX_ID mismatch"]})
    shown = data(await acct.api.get(path, acct.key))
    assert (shown["status"], shown["failure_reasons"]) == ("FAILED", ["TAX_ID mismatch"])


async def test_campaign_events_with_carriers(world: World, catalog: ProviderCatalog) -> None:
    acct = await account(world)
    acct.state.brands["EB2"] = BrandInfo("EB2", "Eventful", "VERIFIED", "ACTIVE")
    acct.state.campaigns["EC1"] = CampaignInfo("EC1", "EB2", "CEVENT1", "MIXED", "PENDING", "P")
    brand = data(
        await acct.api.post(
            "/v1/brands", acct.key, {"provider": "eventful", "provider_brand_id": "EB2"}
        ),
        201,
    )
    campaign = data(
        await acct.api.post(
            "/v1/campaigns", acct.key, {"brand_id": brand["id"], "provider_campaign_id": "EC1"}
        ),
        201,
    )
    path = f"/v1/campaigns/{campaign['id']}"

    def carrier(name: str, status: str, at: str, event_id: str) -> dict[str, Any]:
        return {
            "kind": "campaign",
            "id": "EC1",
            "step": "carrier_review",
            "event_id": event_id,
            "at": at,
            "carriers": [{"carrier": name, "status": status, "tpm": 75}],
        }

    await acct.send(carrier("AT&T", "APPROVED", at(5), "c1"))
    await acct.send(carrier("T-Mobile", "REJECTED", at(6), "c2"))
    # older news about AT&T changes nothing
    await acct.send(carrier("AT&T", "PENDING", at(4), "c3"))
    stored = await stored_carriers(world, campaign["id"])
    assert stored == {"AT&T": "APPROVED", "T-Mobile": "REJECTED"}
    assert data(await acct.api.get(path, acct.key))["status"] == "PENDING"  # unsaid: re-read
    suspended = {"kind": "campaign", "id": "EC1", "event_id": "c4", "status": "SUSPENDED"}
    await acct.send({**suspended, "at": at(7), "step": "registry_notice"})
    assert data(await acct.api.get(path, acct.key))["status"] == "SUSPENDED"


async def stored_carriers(world: World, campaign_id: str) -> dict[str, str]:
    from sqlalchemy import text

    async with world.sessions() as session:
        carriers = (
            await session.execute(
                text("SELECT carriers FROM campaigns WHERE id = :id"), {"id": campaign_id}
            )
        ).scalar_one()
    return {name: entry["status"] for name, entry in carriers.items()}


async def test_a_provider_without_registration_answers_unsupported(world: World) -> None:
    await account(world)
    for key in (world.live_key, world.test_key):
        response = await world.api.post("/v1/brands", key, brand_body(provider="eventful"))
        assert (response.status_code, error_code(response)) == (422, "UNSUPPORTED_BY_PROVIDER")
        assert response.json()["error"]["message"] == "eventful has no brand registration"
    imported = data(
        await world.api.post(
            "/v1/brands", world.test_key, {"provider": "eventful", "provider_brand_id": "X1"}
        ),
        201,
    )
    for method, suffix, body in (
        ("POST", "/otp", None),
        ("GET", "/vettings", None),
        ("GET", "/usecases/MIXED", None),
        ("DELETE", "", None),
        ("PATCH", "", {"website": "https://e.example"}),
    ):
        response = await world.api.request(
            method, f"/v1/brands/{imported['id']}{suffix}", world.test_key, body
        )
        assert error_code(response) == "UNSUPPORTED_BY_PROVIDER", (method, suffix)
    shared = {"provider": "eventful", "tcr_campaign_id": "C1A2B3C"}
    response = await world.api.post("/v1/campaigns", world.test_key, shared)
    assert error_code(response) == "UNSUPPORTED_BY_PROVIDER"
