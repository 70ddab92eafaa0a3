"""Inbound provider webhooks: signed events apply once; bad signatures apply nothing."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from nacl.signing import SigningKey
from plivo.utils.signature_v3 import construct_post_url, get_signature_v3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Brand, Campaign, PhoneNumber
from tests.support.api import Api, World, data, error_code

SIGNING_KEY = SigningKey.generate()
PUBLIC_KEY = base64.b64encode(bytes(SIGNING_KEY.verify_key)).decode()
NUMBER = "+12025550143"
PLIVO = {"auth_id": "MAFAKEAUTHID0000", "auth_token": "plivo-token-0123456789"}


@dataclass
class LiveObjects:
    account_url: str
    brand_id: uuid.UUID
    campaign_id: uuid.UUID
    number_id: uuid.UUID


async def live_objects(
    api: Api,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    provider: str = "telnyx",
    body: dict[str, Any] | None = None,
) -> LiveObjects:
    """A live brand, campaign and number whose link to C1 the provider is confirming."""
    account = data(
        await api.request(
            "PUT",
            f"/v1/provider-accounts/{provider}",
            world.live_key,
            body or {"api_key": "KEY-telnyx-0001", "public_key": PUBLIC_KEY},
        )
    )
    async with sessions.begin() as session:
        brand = Brand(
            org_id=world.org_id,
            mode="live",
            provider=provider,
            provider_brand_id="B1",
            identity_status="UNVERIFIED",
            status="PENDING",
        )
        session.add(brand)
        await session.flush()
        campaign = Campaign(
            org_id=world.org_id,
            mode="live",
            brand_id=brand.id,
            provider=provider,
            provider_campaign_id="C1",
            status="PENDING",
        )
        session.add(campaign)
        await session.flush()
        number = PhoneNumber(
            org_id=world.org_id,
            mode="live",
            number=NUMBER,
            number_type="local",
            region_code="US",
            provider=provider,
            assigned=True,
            sms_enabled=True,
            mms_enabled=True,
            campaign_id=campaign.id,
            carrier_line_option_status="pending",
            linked_campaign_ref="C1",
            sync_phase="confirm",
            next_attempt_at=None,
        )
        session.add(number)
        await session.flush()
    path = account["webhook_url"].split("://", 1)[1].split("/", 1)[1]
    return LiveObjects("/" + path, brand.id, campaign.id, number.id)


def telnyx_event(event_id: str, event_type: str, payload: dict[str, Any], at: str) -> bytes:
    body = {
        "data": {"event_type": event_type, "id": event_id, "occurred_at": at, "payload": payload}
    }
    return json.dumps(body).encode()


def assigned(event_id: str, status: str = "ASSIGNED", at: str = "2026-11-25T10:00:00Z") -> bytes:
    payload = {"phoneNumber": NUMBER, "campaignId": "C1", "assignmentStatus": status}
    if status.startswith("FAILED"):
        payload["failureReasons"] = "carrier said no"
    return telnyx_event(event_id, "10dlc.phone_number.update", payload, at)


def telnyx_headers(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SIGNING_KEY.sign(stamp.encode() + b"|" + body).signature
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": stamp,
        "content-type": "application/json",
    }


async def post_signed(
    api: Api, url: str, body: bytes, headers: dict[str, str] | None = None
) -> Any:
    return await api.client.post(url, content=body, headers=headers or telnyx_headers(body))


async def number_row(
    sessions: async_sessionmaker[AsyncSession], number_id: uuid.UUID
) -> PhoneNumber:
    async with sessions() as session:
        row = (
            await session.execute(select(PhoneNumber).where(PhoneNumber.id == number_id))
        ).scalar_one()
        await session.refresh(row)
        return row


async def test_signed_assignment_settles_the_number(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    receipt = data(await post_signed(api, live.account_url, assigned("evt-1")))
    assert receipt == {"events": 1, "duplicates": 0, "rows_changed": 1}
    number = data(await api.get(f"/v1/phone-numbers/{live.number_id}", world.live_key))
    assert number["carrier_line_option_status"] == "propagated"
    assert number["carrier_line_option_propagated_at"] is not None


async def test_duplicates_and_older_events_change_nothing(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    data(await post_signed(api, live.account_url, assigned("evt-1", at="2026-11-25T10:00:00Z")))
    again = data(await post_signed(api, live.account_url, assigned("evt-1", "FAILED_ASSIGNMENT")))
    assert again["duplicates"] == 1 and again["rows_changed"] == 0
    older = assigned("evt-0", "FAILED_ASSIGNMENT", at="2026-11-25T09:59:00Z")
    assert data(await post_signed(api, live.account_url, older))["rows_changed"] == 0
    row = await number_row(sessions, live.number_id)
    assert (row.carrier_line_option_status, row.carrier_line_option_error) == ("propagated", None)
    assert row.next_attempt_at is None


async def test_an_event_that_does_not_settle_makes_the_reconciler_look_again(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    moved = telnyx_event(
        "evt-2",
        "10dlc.phone_number.update",
        {"phoneNumber": NUMBER, "campaignId": "OTHER", "assignmentStatus": "ASSIGNED"},
        "2026-11-25T10:00:00Z",
    )
    assert data(await post_signed(api, live.account_url, moved))["rows_changed"] == 1
    row = await number_row(sessions, live.number_id)
    assert row.carrier_line_option_status == "pending"  # not trusted: checked with the provider
    assert row.next_attempt_at is not None and row.sync_phase == "confirm"


@pytest.mark.parametrize("fault", ["tampered", "missing", "stale", "wrong_key"])
async def test_bad_signatures_are_401_and_apply_nothing(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], fault: str
) -> None:
    live = await live_objects(api, world, sessions)
    body = assigned("evt-9")
    headers = telnyx_headers(body)
    if fault == "tampered":
        body = body.replace(b"C1", b"C2")
    elif fault == "missing":
        del headers["telnyx-signature-ed25519"]
    elif fault == "stale":
        headers = telnyx_headers(body, int(time.time()) - 301)
    else:
        other = SigningKey.generate().sign(headers["telnyx-timestamp"].encode() + b"|" + body)
        headers["telnyx-signature-ed25519"] = base64.b64encode(other.signature).decode()
    response = await post_signed(api, live.account_url, body, headers)
    assert (response.status_code, error_code(response)) == (401, "UNAUTHORIZED")
    row = await number_row(sessions, live.number_id)
    assert row.carrier_line_option_status == "pending" and row.provider_status_at is None


async def test_campaign_and_brand_events(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    campaign = telnyx_event(
        "evt-c",
        "10dlc.campaign.update",
        {"campaignId": "C1", "campaignStatus": "MNO_PROVISIONED"},
        "2026-11-25T10:00:00Z",
    )
    brand = telnyx_event(
        "evt-b",
        "10dlc.brand.update",
        {"brandId": "B1", "identityStatus": "VERIFIED", "status": "OK"},
        "2026-11-25T10:00:00Z",
    )
    assert data(await post_signed(api, live.account_url, campaign))["rows_changed"] == 1
    assert data(await post_signed(api, live.account_url, brand))["rows_changed"] == 1
    got = data(await api.get(f"/v1/campaigns/{live.campaign_id}", world.live_key))
    assert got["status"] == "ACTIVE"
    got = data(await api.get(f"/v1/brands/{live.brand_id}", world.live_key))
    assert (got["identity_status"], got["status"]) == ("VERIFIED", "ACTIVE")


async def test_events_touch_only_the_account_org(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    intruder = await World.create(api, sessions)
    theirs = await live_objects(api, intruder, sessions)
    data(await post_signed(api, theirs.account_url, assigned("evt-x")))
    mine = await number_row(sessions, live.number_id)
    assert mine.carrier_line_option_status == "pending"
    assert (await number_row(sessions, theirs.number_id)).carrier_line_option_status == "propagated"


async def test_unknown_account_or_garbage(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    unknown = await post_signed(
        api, f"/v1/providers/telnyx/webhooks/{uuid.uuid4().hex}", assigned("e")
    )
    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")
    body = b"<html>oops</html>"
    garbage = await post_signed(api, live.account_url, body)
    assert (garbage.status_code, error_code(garbage)) == (422, "VALIDATION_FAILED")


async def test_plivo_v3_signed_callback(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], app: Any
) -> None:
    live = await live_objects(api, world, sessions, "plivo", PLIVO)
    form = {"number": NUMBER.removeprefix("+"), "status": "COMPLETED", "campaign_id": "C1"}
    body = urlencode(form).encode()
    url = app.state.settings.public_url.rstrip("/") + live.account_url
    nonce = "12345678901234567890"
    signature = get_signature_v3(PLIVO["auth_token"], construct_post_url(url, form), nonce)
    headers = {
        "X-Plivo-Signature-V3": signature,
        "X-Plivo-Signature-V3-Nonce": nonce,
        "content-type": "application/x-www-form-urlencoded",
    }
    bad = await post_signed(api, live.account_url, body, {**headers, "X-Plivo-Signature-V3": "x"})
    assert (bad.status_code, error_code(bad)) == (401, "UNAUTHORIZED")
    assert data(await post_signed(api, live.account_url, body, headers))["rows_changed"] == 1
    row = await number_row(sessions, live.number_id)
    assert row.carrier_line_option_status == "propagated"


async def test_a_signed_event_with_a_control_character_is_422(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    live = await live_objects(api, world, sessions)
    response = await post_signed(api, live.account_url, assigned("evt-\u0000-1"))
    assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED")
    assert "body.event_id" in response.json()["error"]["details"]
    number = data(await api.get(f"/v1/phone-numbers/{live.number_id}", world.live_key))
    assert number["carrier_line_option_status"] == "pending"


async def test_a_link_event_makes_an_unassigned_number_attachable(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A number read as not assigned at registration: the provider linking it says it is on
    the account and assignable now."""
    live = await live_objects(api, world, sessions)
    async with sessions.begin() as session:
        row = await session.get(PhoneNumber, live.number_id)
        assert row is not None
        row.assigned = False
    receipt = data(await post_signed(api, live.account_url, assigned("evt-9")))
    assert receipt["rows_changed"] == 1
    number = data(await api.get(f"/v1/phone-numbers/{live.number_id}", world.live_key))
    assert number["assigned"] is True and number["released_at"] is None


def plivo_v2_headers(url: str, nonce: str, token: str = PLIVO["auth_token"]) -> dict[str, str]:
    """V2 signs the URL without its query, then the nonce: neither the body nor a time."""
    digest = hmac.new(token.encode(), (url.split("?")[0] + nonce).encode(), hashlib.sha256)
    return {
        "X-Plivo-Signature-V2": base64.b64encode(digest.digest()).decode(),
        "X-Plivo-Signature-V2-Nonce": nonce,
        "content-type": "application/x-www-form-urlencoded",
    }


def plivo_form(status: str) -> str:
    return urlencode({"number": NUMBER.removeprefix("+"), "status": status, "campaign_id": "C1"})


async def test_plivo_v2_nonce_is_refused_the_second_time(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], app: Any
) -> None:
    live = await live_objects(api, world, sessions, "plivo", PLIVO)
    url = app.state.settings.public_url.rstrip("/") + live.account_url
    forged = await post_signed(
        api,
        live.account_url,
        plivo_form("FAILED").encode(),
        plivo_v2_headers(url, "n-1", "wrong-token"),
    )
    assert (forged.status_code, error_code(forged)) == (401, "UNAUTHORIZED")
    # the forgery did not use the nonce up: the real request with it is applied
    headers = plivo_v2_headers(url, "n-1")
    applied = await post_signed(api, live.account_url, plivo_form("COMPLETED").encode(), headers)
    assert data(applied)["rows_changed"] == 1
    settled = await number_row(sessions, live.number_id)
    assert settled.carrier_line_option_status == "propagated"
    # V2 does not sign the body: a replay may carry any body, and must apply nothing
    replay = await post_signed(api, live.account_url, plivo_form("FAILED").encode(), headers)
    assert (replay.status_code, error_code(replay)) == (401, "UNAUTHORIZED")
    assert "replayed" in replay.json()["error"]["message"]
    row = await number_row(sessions, live.number_id)
    assert (row.carrier_line_option_status, row.next_attempt_at, row.provider_status_at) == (
        "propagated",
        settled.next_attempt_at,
        settled.provider_status_at,
    )


async def test_plivo_v3_is_preferred_when_both_signatures_are_sent(
    api: Api, world: World, sessions: async_sessionmaker[AsyncSession], app: Any
) -> None:
    live = await live_objects(api, world, sessions, "plivo", PLIVO)
    url = app.state.settings.public_url.rstrip("/") + live.account_url
    form = {"number": NUMBER.removeprefix("+"), "status": "COMPLETED", "campaign_id": "C1"}
    v2 = plivo_v2_headers(url, "n-2")
    v3 = {
        "X-Plivo-Signature-V3": get_signature_v3(
            PLIVO["auth_token"], construct_post_url(url, form), "v3-nonce"
        ),
        "X-Plivo-Signature-V3-Nonce": "v3-nonce",
    }
    # a bad V3 beside a good V2: V3 decides
    bad_v3 = {**v2, **v3, "X-Plivo-Signature-V3": "x"}
    refused = await post_signed(api, live.account_url, urlencode(form).encode(), bad_v3)
    assert (refused.status_code, error_code(refused)) == (401, "UNAUTHORIZED")
    assert (await number_row(sessions, live.number_id)).carrier_line_option_status == "pending"
    both = {**v2, **v3}
    assert data(await post_signed(api, live.account_url, urlencode(form).encode(), both))
    assert (await number_row(sessions, live.number_id)).carrier_line_option_status == "propagated"
    # the V2 nonce was not the one checked, so it was not used up
    again = await post_signed(api, live.account_url, urlencode(form).encode(), v2)
    assert again.status_code == 200
