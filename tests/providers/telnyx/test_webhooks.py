"""Telnyx webhook signatures (checked against the official SDK's verifier) and event parsing."""

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from nacl.signing import SigningKey
from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

from providers.base import LinkState, LinkStatus
from providers.events import (
    BrandEvent,
    CampaignEvent,
    LinkEvent,
    RegistrationStep,
    StepOutcome,
    WebhookSignatureError,
)
from providers.registration import CarrierStatus
from providers.telnyx.webhooks import parse_telnyx_event, verify_telnyx_webhook

SIGNING_KEY = SigningKey.generate()
PUBLIC_KEY = base64.b64encode(bytes(SIGNING_KEY.verify_key)).decode()
OTHER_PUBLIC_KEY = base64.b64encode(bytes(SigningKey.generate().verify_key)).decode()
NUMBER = "+14155552671"
BODY = json.dumps(
    {
        "data": {
            "event_type": "10dlc.phone_number.update",
            "id": "evt-1",
            "occurred_at": "2026-03-01T12:00:00.250+00:00",
            "payload": {"phoneNumber": NUMBER, "campaignId": "C1", "assignmentStatus": "ASSIGNED"},
            "record_type": "event",
        },
        "meta": {"attempt": 1},
    }
).encode()


def sign(body: bytes, timestamp: str) -> str:
    """As Telnyx does: Ed25519 over ``{timestamp}|{body}``, base64."""
    return base64.b64encode(SIGNING_KEY.sign(timestamp.encode() + b"|" + body).signature).decode()


def sdk_accepts(body: bytes, headers: dict[str, str], public_key: str) -> bool:
    try:
        verify_webhook_signature(body, headers, public_key)
    except WebhookVerificationError:
        return False
    return True


def ours_accepts(body: bytes, headers: dict[str, str], public_key: str) -> bool:
    try:
        verify_telnyx_webhook(
            body,
            headers.get("telnyx-signature-ed25519"),
            headers.get("telnyx-timestamp"),
            public_key,
        )
    except WebhookSignatureError:
        return False
    return True


def _case(name: str) -> tuple[bytes, dict[str, str], str]:
    """(body received, headers received, public key configured) for one scenario."""
    now = str(int(time.time()))
    headers = {"telnyx-signature-ed25519": sign(BODY, now), "telnyx-timestamp": now}
    if name == "valid":
        return BODY, headers, PUBLIC_KEY
    if name == "tampered body":
        return BODY.replace(b"ASSIGNED", b"FAILED_ASSIGNMENT"), headers, PUBLIC_KEY
    if name == "wrong key":
        return BODY, headers, OTHER_PUBLIC_KEY
    if name in ("stale timestamp", "future timestamp"):
        shifted = str(int(time.time()) + (-600 if name == "stale timestamp" else 600))
        signed = {"telnyx-signature-ed25519": sign(BODY, shifted), "telnyx-timestamp": shifted}
        return BODY, signed, PUBLIC_KEY
    if name == "timestamp swapped":
        return BODY, {**headers, "telnyx-timestamp": str(int(now) - 1)}, PUBLIC_KEY
    if name == "missing signature":
        return BODY, {"telnyx-timestamp": now}, PUBLIC_KEY
    if name == "missing timestamp":
        return BODY, {"telnyx-signature-ed25519": headers["telnyx-signature-ed25519"]}, PUBLIC_KEY
    if name == "signature not base64":
        return BODY, {**headers, "telnyx-signature-ed25519": "%%%not-base64%%%"}, PUBLIC_KEY
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("valid", True),
        ("tampered body", False),
        ("wrong key", False),
        ("stale timestamp", False),
        ("future timestamp", False),
        ("timestamp swapped", False),
        ("missing signature", False),
        ("missing timestamp", False),
        ("signature not base64", False),
    ],
)
def test_verifier_agrees_with_the_telnyx_sdk(name: str, accepted: bool) -> None:
    body, headers, public_key = _case(name)
    assert sdk_accepts(body, headers, public_key) is accepted
    assert ours_accepts(body, headers, public_key) is accepted


def test_tolerance_window_edges() -> None:
    signature = sign(BODY, "1000000")
    verify_telnyx_webhook(BODY, signature, "1000000", PUBLIC_KEY, now=1000300)
    verify_telnyx_webhook(BODY, signature, "1000000", PUBLIC_KEY, now=999700)
    with pytest.raises(WebhookSignatureError, match="window"):
        verify_telnyx_webhook(BODY, signature, "1000000", PUBLIC_KEY, now=1000301)
    with pytest.raises(WebhookSignatureError, match="window"):
        verify_telnyx_webhook(BODY, signature, "1000000", PUBLIC_KEY, now=1000031, tolerance_s=30)


@pytest.mark.parametrize(
    ("signature", "timestamp", "message"),
    [
        (None, "1000000", "missing telnyx-signature-ed25519"),
        ("", "1000000", "missing telnyx-signature-ed25519"),
        ("c2ln", None, "missing telnyx-timestamp"),
        ("c2ln", "soon", "not a Unix time"),
        ("not base64!", "1000000", "not base64"),
        (base64.b64encode(b"x" * 64).decode(), "1000000", "does not match"),
    ],
)
def test_refusal_reasons(signature: str | None, timestamp: str | None, message: str) -> None:
    with pytest.raises(WebhookSignatureError, match=message):
        verify_telnyx_webhook(BODY, signature, timestamp, PUBLIC_KEY, now=1000000)


def test_malformed_public_key_is_a_configuration_error() -> None:
    signature = sign(BODY, "1000000")
    for key in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError, match="public key"):
            verify_telnyx_webhook(BODY, signature, "1000000", key, now=1000000)


def event(event_type: str, payload: dict[str, Any], **data: Any) -> bytes:
    envelope = {"event_type": event_type, "payload": payload, "record_type": "event", **data}
    return json.dumps({"data": envelope, "meta": {"attempt": 1}}).encode()


def test_signed_assignment_event_end_to_end() -> None:
    signature = sign(BODY, "1000000")
    verify_telnyx_webhook(BODY, signature, "1000000", PUBLIC_KEY, now=1000000)
    assert parse_telnyx_event(BODY) == [
        LinkEvent(
            number=NUMBER,
            status=LinkStatus(LinkState.LINKED, "C1"),
            occurred_at=datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),
            event_id="evt-1",
        )
    ]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"assignmentStatus": "PENDING_ASSIGNMENT"}, LinkStatus(LinkState.PENDING, "C1")),
        ({"assignmentStatus": "PENDING_UNASSIGNMENT"}, LinkStatus(LinkState.PENDING, None)),
        (
            {"assignmentStatus": "FAILED_ASSIGNMENT", "failureReasons": "not on a profile"},
            LinkStatus(LinkState.FAILED, "C1", "telnyx: not on a profile"),
        ),
        ({"type": "ASSIGNMENT", "status": "success"}, LinkStatus(LinkState.LINKED, "C1")),
        (
            {"type": "ASSIGNMENT", "status": "failed", "description": "already assigned"},
            LinkStatus(LinkState.FAILED, "C1", "telnyx: already assigned"),
        ),
        ({"type": "DELETION", "status": "success"}, LinkStatus(LinkState.UNLINKED)),
        (
            {"type": "DELETION", "status": "failed"},
            LinkStatus(LinkState.FAILED, None, "telnyx: FAILED_UNASSIGNMENT"),
        ),
    ],
)
def test_number_events(payload: dict[str, str], expected: LinkStatus) -> None:
    body = event(
        "10dlc.phone_number.update", {"phoneNumber": NUMBER, "campaignId": "C1", **payload}
    )
    assert parse_telnyx_event(body) == [LinkEvent(NUMBER, expected)]


def test_number_event_without_a_known_outcome_is_ignored() -> None:
    payload = {"phoneNumber": NUMBER, "campaignId": "C1", "type": "STATUS_UPDATE", "status": "?"}
    assert parse_telnyx_event(event("10dlc.phone_number.update", payload)) == []


@pytest.mark.parametrize(
    ("payload", "status", "provider_status"),
    [
        ({"campaignStatus": "MNO_PROVISIONED"}, "ACTIVE", "MNO_PROVISIONED"),
        ({"campaignStatus": "TCR_EXPIRED"}, "EXPIRED", "TCR_EXPIRED"),
        ({"type": "REGISTRATION", "status": "success"}, "PENDING", "TCR_ACCEPTED"),
        ({"type": "TELNYX_REVIEW", "status": "ACCEPTED"}, "ACTIVE", "TELNYX_ACCEPTED"),
        ({"type": "TELNYX_REVIEW", "status": "REJECTED"}, "REJECTED", "TELNYX_FAILED"),
        ({"type": "MNO_REVIEW", "status": "REJECTED"}, "REJECTED", "MNO_REJECTED"),
    ],
)
def test_campaign_events(payload: dict[str, str], status: str, provider_status: str) -> None:
    body = event("10dlc.campaign.update", {"campaignId": "C1", "brandId": "B1", **payload}, id="e2")
    (parsed,) = parse_telnyx_event(body)
    assert isinstance(parsed, CampaignEvent)
    assert (parsed.provider_campaign_id, parsed.status, parsed.provider_status) == (
        "C1",
        status,
        provider_status,
    )
    assert parsed.event_id == "e2"


@pytest.mark.parametrize(
    ("kind", "word", "step", "outcome"),
    [
        ("REGISTRATION", "success", RegistrationStep.REGISTRATION, StepOutcome.ACCEPTED),
        ("TELNYX_REVIEW", "REJECTED", RegistrationStep.PROVIDER_REVIEW, StepOutcome.REJECTED),
        ("MNO_REVIEW", "ACCEPTED", RegistrationStep.CARRIER_REVIEW, StepOutcome.ACCEPTED),
        ("TCR_EVENT", "SUSPENDED", RegistrationStep.REGISTRY_NOTICE, None),
        ("TELNYX_EVENT", "DORMANT", RegistrationStep.PROVIDER_NOTICE, StepOutcome.DORMANT),
        ("NUMBER_POOL_PROVISIONED", "ACCEPTED", RegistrationStep.NUMBER_POOL, StepOutcome.ACCEPTED),
        (
            "NUMBER_POOL_DEPROVISIONED",
            "ACCEPTED",
            RegistrationStep.NUMBER_POOL,
            StepOutcome.ACCEPTED,
        ),
    ],
)
def test_every_campaign_step_is_reported(
    kind: str, word: str, step: RegistrationStep, outcome: StepOutcome | None
) -> None:
    payload = {"campaignId": "C1", "type": kind, "status": word, "description": "what happened"}
    (parsed,) = parse_telnyx_event(event("10dlc.campaign.update", payload))
    assert isinstance(parsed, CampaignEvent)
    assert (parsed.step, parsed.outcome, parsed.description) == (step, outcome, "what happened")


def test_a_notice_without_a_status_has_the_campaign_read_again() -> None:
    payload = {"campaignId": "C1", "type": "TELNYX_EVENT", "status": "DORMANT"}
    (parsed,) = parse_telnyx_event(event("10dlc.campaign.update", payload))
    assert isinstance(parsed, CampaignEvent)
    assert (parsed.status, parsed.provider_status, parsed.failure_reasons) == (None, None, None)


def test_a_refusal_carries_its_reason_and_the_carrier() -> None:
    payload = {"campaignId": "C1", "type": "MNO_REVIEW", "status": "REJECTED", "mno": "T-Mobile",
               "description": "Samples do not match the use case"}  # fmt: skip
    (parsed,) = parse_telnyx_event(event("10dlc.campaign.update", payload))
    assert isinstance(parsed, CampaignEvent)
    assert parsed.failure_reasons == ("Samples do not match the use case",)
    assert parsed.carriers == (
        CarrierStatus(
            "T-Mobile", "REJECTED", "REJECTED", reason="Samples do not match the use case"
        ),
    )
    accepted = {"campaignId": "C1", "type": "MNO_REVIEW", "status": "ACCEPTED", "networkId": 10017}
    (approved,) = parse_telnyx_event(event("10dlc.campaign.update", accepted))
    assert isinstance(approved, CampaignEvent)
    assert approved.carriers == (CarrierStatus("AT&T", "APPROVED", "ACCEPTED"),)
    assert (approved.status, approved.failure_reasons) == ("ACTIVE", ())


def test_bare_campaign_status_update_as_in_the_spec() -> None:
    body = json.dumps(
        {"brandId": "B1", "campaignId": "C1", "type": "MNO_REVIEW", "status": "ACCEPTED"}
    ).encode()
    (parsed,) = parse_telnyx_event(body)
    assert isinstance(parsed, CampaignEvent)
    assert (parsed.status, parsed.provider_status) == ("ACTIVE", "MNO_ACCEPTED")


@pytest.mark.parametrize(
    ("payload", "identity", "status"),
    [
        ({"type": "TCR_BRAND_UPDATE", "eventType": "BRAND_ADD", "status": "success"}, None, None),
        ({"identityStatus": "VETTED_VERIFIED", "type": "REVET"}, "VETTED_VERIFIED", None),
        ({"type": "REGISTRATION", "status": "failed"}, None, "FAILED"),
        ({"type": "REGISTRATION", "status": "success"}, None, "ACTIVE"),
        ({"identityStatus": "SOMETHING_NEW", "status": "OK"}, None, "ACTIVE"),
        ({"type": "BRAND_OTP_VERIFIED"}, "VERIFIED", None),
        ({"type": "VERIFIED", "status": "success"}, "VERIFIED", None),
        ({"type": "VETTING", "status": "failed"}, None, None),
    ],
)
def test_brand_events(payload: dict[str, str], identity: str | None, status: str | None) -> None:
    body = event(
        "10dlc.brand.update",
        {"brandId": "B1", **payload},
        id="e3",
        occurred_at="2026-03-01T12:00:00Z",
    )
    (parsed,) = parse_telnyx_event(body)
    assert isinstance(parsed, BrandEvent)
    assert (parsed.provider_brand_id, parsed.identity_status, parsed.status) == (
        "B1",
        identity,
        status,
    )
    assert (parsed.occurred_at, parsed.event_id) == (datetime(2026, 3, 1, 12, tzinfo=UTC), "e3")


def test_a_failed_brand_carries_its_reasons_and_registry_id() -> None:
    payload = {"brandId": "B1", "type": "REGISTRATION", "status": "failed", "tcrBrandId": "BX1",
               "failureReasons": "Tax Id does not match"}  # fmt: skip
    (parsed,) = parse_telnyx_event(event("10dlc.brand.update", payload))
    assert isinstance(parsed, BrandEvent)
    assert (parsed.status, parsed.failure_reasons, parsed.tcr_brand_id) == (
        "FAILED",
        ("Tax Id does not match",),
        "BX1",
    )
    assert (parsed.step, parsed.outcome) == (RegistrationStep.REGISTRATION, StepOutcome.REJECTED)


def test_other_event_types_are_ignored() -> None:
    assert parse_telnyx_event(event("message.received", {"id": "m1", "text": "hi"})) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"meta": {}}',
        b'{"data": "x"}',
        b'{"data": {"payload": {}}}',
        event("10dlc.phone_number.update", {"campaignId": "C1", "assignmentStatus": "ASSIGNED"}),
        event("10dlc.phone_number.update", {"phoneNumber": NUMBER, "assignmentStatus": "ASSIGNED"}),
        event("10dlc.campaign.update", {"campaignStatus": "MNO_PROVISIONED"}),
        event("10dlc.brand.update", {"identityStatus": "VERIFIED"}),
        event("10dlc.brand.update", ["not", "an", "object"]),  # type: ignore[arg-type]
        event("10dlc.brand.update", {"brandId": "B1"}, occurred_at="yesterday"),
    ],
)
def test_garbage_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError, match="telnyx webhook"):
        parse_telnyx_event(body)
