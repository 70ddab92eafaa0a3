"""Inbound Telnyx webhooks: signature check and 10DLC event parsing.

Telnyx signs ``"{telnyx-timestamp}|{raw body}"`` with Ed25519 and sends the base64 signature in
``telnyx-signature-ed25519``; the account's public key is in the Mission Control portal.
Events arrive as ``{"data": {"event_type", "id", "occurred_at", "payload"}, "meta": ...}``;
the OpenAPI spec's ``campaignStatusUpdate`` callback describes the bare payload, so a body
without the envelope that names a campaign is read as a campaign update.
"""

import base64
import binascii
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from providers.base import LinkState, LinkStatus
from providers.events import LinkEvent, ProviderEvent, WebhookSignatureError
from providers.telnyx.mapping import ASSIGNMENT, NUMBER_EVENT_ASSIGNMENT, assignment_link_status
from providers.telnyx.registration_events import (
    brand_event,
    campaign_event,
    required,
    text,
    upper,
)

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"


def verify_telnyx_webhook(
    raw_body: bytes,
    signature_b64: str | None,
    timestamp: str | None,
    public_key_b64: str,
    *,
    now: float | None = None,
    tolerance_s: int = 300,
) -> None:
    """Raise WebhookSignatureError unless ``raw_body`` carries a valid, fresh Telnyx signature.

    A malformed ``public_key_b64`` is a configuration fault, not a bad request: ValueError.
    """
    key = _public_key(public_key_b64)
    if not signature_b64:
        raise WebhookSignatureError(f"missing {SIGNATURE_HEADER} header")
    if not timestamp:
        raise WebhookSignatureError(f"missing {TIMESTAMP_HEADER} header")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise WebhookSignatureError(f"{TIMESTAMP_HEADER} is not a Unix time")
    # The window bounds replays of a captured request, in both directions for clock skew.
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_s:
        raise WebhookSignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance_s}s window")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} is not base64") from None
    try:
        key.verify(signature, timestamp.encode("ascii") + b"|" + raw_body)
    except InvalidSignature:
        raise WebhookSignatureError("signature does not match the body") from None


def is_public_key(public_key_b64: str) -> bool:
    """Whether the value is a Telnyx webhook public key (base64 of 32 bytes)."""
    try:
        _public_key(public_key_b64)
    except ValueError:
        return False
    return True


def _public_key(public_key_b64: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ValueError("telnyx public key must be 32 bytes of base64") from None


def parse_telnyx_event(raw_body: bytes) -> list[ProviderEvent]:
    """The numlink events in a Telnyx webhook body: [] for event types numlink does not
    follow, ValueError for a body that is not a Telnyx event."""
    try:
        document = json.loads(raw_body)
    except ValueError:  # also UnicodeDecodeError
        raise ValueError("telnyx webhook: body is not JSON") from None
    if not isinstance(document, dict):
        raise ValueError("telnyx webhook: body is not a JSON object")
    data = document.get("data")
    if data is None and "campaignId" in document:
        return list(campaign_event(document, None, None))
    if not isinstance(data, dict):
        raise ValueError("telnyx webhook: no data object")
    event_type = data.get("event_type")
    if not isinstance(event_type, str):
        raise ValueError("telnyx webhook: no event_type")
    parse = _PARSERS.get(event_type)
    if parse is None:
        return []
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise ValueError(f"telnyx webhook: {event_type} without a payload object")
    event_id = data.get("id")
    return parse(
        payload,
        _occurred_at(data.get("occurred_at")),
        event_id if isinstance(event_id, str) and event_id else None,
    )


def _number_event(
    payload: dict[str, Any], occurred_at: datetime | None, event_id: str | None
) -> list[ProviderEvent]:
    number = required(payload, "phoneNumber")
    assignment_status = text(payload, "assignmentStatus")
    if assignment_status not in ASSIGNMENT:
        step = (upper(payload, "type"), upper(payload, "status"))
        if step not in NUMBER_EVENT_ASSIGNMENT:
            return []
        assignment_status = NUMBER_EVENT_ASSIGNMENT[step]
    if assignment_status is None:
        status = LinkStatus(LinkState.UNLINKED)
    else:
        _, targets_campaign = ASSIGNMENT[assignment_status]
        campaign = required(payload, "campaignId") if targets_campaign else None
        failure = payload.get("failureReasons") or payload.get("description")
        status = assignment_link_status(assignment_status, campaign, failure)
    return [LinkEvent(number, status, occurred_at, event_id)]


_Parser = Callable[[dict[str, Any], datetime | None, str | None], list[ProviderEvent]]
_PARSERS: dict[str, _Parser] = {
    "10dlc.phone_number.update": _number_event,
    "10dlc.campaign.update": lambda *event: list(campaign_event(*event)),
    "10dlc.brand.update": lambda *event: list(brand_event(*event)),
}


def _occurred_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("telnyx webhook: occurred_at is not a string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"telnyx webhook: occurred_at {value!r} is not ISO 8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
