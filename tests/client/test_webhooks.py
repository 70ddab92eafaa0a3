"""``numlink_client.webhooks`` against the reference implementation of Standard Webhooks (the
``standardwebhooks`` package): each accepts what the other signs, and refuses what it must."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from numlink_client import webhooks
from numlink_client.errors import WebhookVerificationError as ClientVerificationError
from numlink_client.models import WebhookEvent

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
EVENT = {
    "id": "0193f6b2-0000-7000-8000-000000000001",
    "type": "phone_number.carrier_line_option.updated",
    "created_at": "2026-11-25T21:59:23.949271Z",
    "resource": {"type": "phone_number", "id": "0193f6b2-0000-7000-8000-000000000002"},
    "data": {"number": "+12015550123", "carrier_line_option_status": "propagated"},
}
PAYLOAD = json.dumps(EVENT)


def reference_headers(payload: str, when: float, msg_id: str = "msg_1") -> dict[str, str]:
    timestamp = datetime.fromtimestamp(int(when), UTC)
    signature = Webhook(SECRET).sign(msg_id, timestamp, payload)
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(when)),
        "Webhook-Signature": signature,
    }


def test_verifies_what_the_reference_signs() -> None:
    event = webhooks.verify(PAYLOAD.encode(), reference_headers(PAYLOAD, time.time()), SECRET)
    assert isinstance(event, WebhookEvent)
    assert (event.id, event.type, event.data["number"]) == (
        EVENT["id"], EVENT["type"], "+12015550123",
    )  # fmt: skip
    assert event.resource is not None and event.resource.type == "phone_number"
    assert event.created_at == datetime(2026, 11, 25, 21, 59, 23, 949271, tzinfo=UTC)
    assert webhooks.verify(PAYLOAD, reference_headers(PAYLOAD, time.time()), SECRET) == event


def test_the_reference_verifies_what_it_signs() -> None:
    headers = webhooks.sign(PAYLOAD, SECRET, msg_id="msg_2")
    assert Webhook(SECRET).verify(PAYLOAD, headers) == EVENT
    raw_key = SECRET.removeprefix("whsec_")  # a secret without its prefix works the same
    assert webhooks.verify(PAYLOAD, headers, raw_key).type == EVENT["type"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"payload": PAYLOAD.replace("propagated", "failed")}, "no matching signature"),
        ({"secret": "whsec_" + base64.b64encode(b"x" * 32).decode()}, "no matching signature"),
        ({"age": 301}, "too old"),
        ({"age": -301}, "in the future"),
        ({"msg_id": "msg_other"}, "no matching signature"),
    ],
)
def test_both_refuse_the_same_requests(change: dict[str, object], reason: str) -> None:
    now = time.time()
    headers = reference_headers(PAYLOAD, now - float(change.get("age", 0)))  # type: ignore[arg-type]
    if "msg_id" in change:
        headers["Webhook-Id"] = str(change["msg_id"])
    payload = str(change.get("payload", PAYLOAD))
    secret = str(change.get("secret", SECRET))
    with pytest.raises(ClientVerificationError, match=reason):
        webhooks.verify(payload, headers, secret, now=now)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(payload, headers)


def test_any_of_several_signatures_and_missing_headers() -> None:
    headers = reference_headers(PAYLOAD, time.time())
    rotated = {**headers, "Webhook-Signature": "v1,bm90LWl0 " + headers["Webhook-Signature"]}
    assert webhooks.verify(PAYLOAD, rotated, SECRET).type == EVENT["type"]
    assert Webhook(SECRET).verify(PAYLOAD, rotated) == EVENT
    for name in ("Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"):
        partial = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(ClientVerificationError, match="missing"):
            webhooks.verify(PAYLOAD, partial, SECRET)
    not_json = "plain text"
    with pytest.raises(ClientVerificationError, match="not an event"):
        webhooks.verify(not_json, reference_headers(not_json, time.time()), SECRET)
