"""Verifying the webhooks numlink sends (Standard Webhooks): ``verify`` checks the signature
and the timestamp of a request and returns its event; ``sign`` makes the headers of a payload,
to test a handler.

The signature is ``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))
where ``key`` is the base64-decoded part of the ``whsec_`` secret after its prefix. Verify the
raw body, byte for byte, before parsing it.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from numlink_client.errors import WebhookVerificationError
from numlink_client.models.webhooks import WebhookEvent

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 300  # 5 minutes either way, as the Standard Webhooks libraries allow


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not a whsec_ secret") from None


def _signature(key: bytes, msg_id: str, timestamp: str, payload: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _as_bytes(payload: bytes | str) -> bytes:
    return payload.encode() if isinstance(payload, str) else payload


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance_s: float = TOLERANCE_S,
    now: float | None = None,
) -> WebhookEvent:
    """The event of a webhook request, once its signature and timestamp check out;
    ``WebhookVerificationError`` otherwise. ``payload`` is the raw body; ``headers`` any
    mapping (names in any case); ``secret`` the endpoint's secret, or the org's signing secret
    for a number's ``status_url``. De-duplicate on ``headers["webhook-id"]``: delivery is at
    least once."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if sent_at < current - tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is too old")
    if sent_at > current + tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is in the future")
    body = _as_bytes(payload)
    expected = _signature(_key(secret), msg_id, timestamp, body)
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            break
    else:
        raise WebhookVerificationError("no matching signature")
    try:
        return WebhookEvent.model_validate(json.loads(body))
    except ValueError as error:
        raise WebhookVerificationError(f"the payload is not an event: {error}") from None


def sign(
    payload: bytes | str, secret: str, *, msg_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers numlink would send with ``payload``."""
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    signature = _signature(_key(secret), msg_id, sent_at, _as_bytes(payload))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": sent_at,
        "webhook-signature": f"v1,{signature}",
    }
