"""Plivo webhook signatures, cross-checked with Plivo's own SDK, and status callback parsing."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from plivo.utils import signature_v3, validate_signature

from providers.base import LinkState, LinkStatus
from providers.events import LinkEvent, WebhookSignatureError
from providers.plivo import (
    parse_plivo_event,
    v2_nonce,
    verify_plivo_request,
    verify_plivo_signature,
)
from providers.plivo.signature import signed_url_v3

TOKEN = "MzA1ZjE0NzQ0YzNiMjdmN2JlNTVhZTQ3ZGMwZGE5"
OTHER_TOKEN = "ZDRjYmE3YTJkZTNhNzY0YWIyMDI1ZDU5NWYxNjE1"
NONCE = "05429567804466091622"
HOOK = "https://numlink.test/webhooks/plivo"
FORM = "application/x-www-form-urlencoded"

Params = dict[str, Any] | None
CASES: list[tuple[str, str, Params]] = [
    ("GET", HOOK, None),
    ("GET", f"{HOOK}?status=success&number=14155550101&campaign_id=CX&a=2&a=1", None),
    ("POST", HOOK, {"number": "14155550101", "status": "success", "campaign_id": "CX"}),
    (
        "POST",
        "https://numlink.test:8443/webhooks/plivo/?org=42&blank=",
        {"status": "failed", "failure_reason": "carrier said no", "note": "café & co"},
    ),
    ("POST", f"{HOOK}?org=42", None),
    ("POST", HOOK, {"numbers": ["14155550102", "14155550101"], "status": "created"}),
]
IDS = ["get", "get-query", "post-form", "post-form-query", "post-empty-query", "post-repeated"]


def sdk_signed_url(method: str, url: str, params: Params) -> str:
    build = signature_v3.construct_get_url if method == "GET" else signature_v3.construct_post_url
    return str(build(url, dict(params or {})).decode())


def sdk_sign(method: str, url: str, params: Params, nonce: str = NONCE, token: str = TOKEN) -> str:
    signed = sdk_signed_url(method, url, params)
    return str(signature_v3.get_signature_v3(token.encode(), signed, nonce.encode()).decode())


def sdk_accepts(method: str, url: str, nonce: str, token: str, header: str, params: Params) -> bool:
    copy = dict(params) if params else None  # the SDK updates the dict it is given
    return bool(signature_v3.validate_v3_signature(method, url, nonce, token, header, copy))


def we_accept(
    method: str, url: str, nonce: str, token: str, header: str, params: Params | bytes
) -> bool:
    try:
        verify_plivo_signature(method, url, nonce, header, token, params)
    except WebhookSignatureError:
        return False
    return True


def form_body(params: Params) -> bytes:
    return urlencode(params or {}, doseq=True).encode()


@pytest.mark.parametrize(("method", "url", "params"), CASES, ids=IDS)
def test_signed_string_is_the_sdks(method: str, url: str, params: Params) -> None:
    assert signed_url_v3(method, url, params) == sdk_signed_url(method, url, params)
    if method == "POST":
        assert signed_url_v3(method, url, form_body(params)) == sdk_signed_url(method, url, params)


@pytest.mark.parametrize(("method", "url", "params"), CASES, ids=IDS)
def test_sdk_signatures_are_accepted(method: str, url: str, params: Params) -> None:
    signature = sdk_sign(method, url, params)
    other = sdk_sign(method, url, params, token=OTHER_TOKEN)
    for header in (signature, f"{other},{signature}", f"{signature},{other}"):
        assert sdk_accepts(method, url, NONCE, TOKEN, header, params)
        assert we_accept(method, url, NONCE, TOKEN, header, params)
        if method == "POST":
            assert we_accept(method, url, NONCE, TOKEN, header, form_body(params))
    # a header of other tokens' signatures only
    assert not sdk_accepts(method, url, NONCE, TOKEN, other, params)
    assert not we_accept(method, url, NONCE, TOKEN, other, params)


Request = tuple[str, str, str, str, Params]
TAMPERS: dict[str, Callable[[Request], Request]] = {
    "path": lambda r: (r[0], r[1].replace("/plivo", "/plivo2"), r[2], r[3], r[4]),
    "host": lambda r: (r[0], r[1].replace("numlink.test", "evil.test"), r[2], r[3], r[4]),
    "query": lambda r: (r[0], r[1] + ("&" if "?" in r[1] else "?") + "x=1", r[2], r[3], r[4]),
    "nonce": lambda r: (r[0], r[1], r[2] + "1", r[3], r[4]),
    "token": lambda r: (r[0], r[1], r[2], OTHER_TOKEN, r[4]),
    "body": lambda r: (r[0], r[1], r[2], r[3], {**(r[4] or {}), "status": "success!"}),
}


TAMPERED_CASES = [
    pytest.param(method, url, params, tamper, id=f"{case_id}-{tamper}")
    for (method, url, params), case_id in zip(CASES, IDS, strict=True)
    for tamper in TAMPERS
    if not (tamper == "body" and method == "GET")  # a GET callback has no body
]


@pytest.mark.parametrize(("method", "url", "params", "tamper"), TAMPERED_CASES)
def test_tampered_requests_are_refused(method: str, url: str, params: Params, tamper: str) -> None:
    signature = sdk_sign(method, url, params)
    method, url, nonce, token, params = TAMPERS[tamper]((method, url, NONCE, TOKEN, params))
    assert not sdk_accepts(method, url, nonce, token, signature, params)
    assert not we_accept(method, url, nonce, token, signature, params)


def v2_signature(url: str, nonce: str, token: str) -> str:
    """As Plivo documents V2: HMAC-SHA256 of the URL without query, then the nonce."""
    base = url.split("?")[0]
    digest = hmac.new(token.encode(), (base + nonce).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("url", "nonce", "token", "accepted"),
    [
        (HOOK, NONCE, TOKEN, True),
        (f"{HOOK}?org=42", NONCE, TOKEN, True),  # V2 does not cover the query
        (f"{HOOK}/other", NONCE, TOKEN, False),
        (HOOK, NONCE + "0", TOKEN, False),
        (HOOK, NONCE, OTHER_TOKEN, False),
    ],
)
def test_v2_agrees_with_the_sdk(url: str, nonce: str, token: str, accepted: bool) -> None:
    signature = v2_signature(HOOK, NONCE, TOKEN)
    assert bool(validate_signature(url, nonce, signature, token)) is accepted
    try:
        verify_plivo_signature("POST", url, nonce, signature, token, v2=True)
    except WebhookSignatureError:
        assert not accepted
    else:
        assert accepted


@pytest.mark.parametrize(
    ("method", "nonce", "signature"),
    [("POST", None, "sig"), ("POST", NONCE, None), ("POST", "", "sig"), ("PUT", NONCE, "sig")],
)
def test_missing_parts_and_other_methods_are_refused(
    method: str, nonce: str | None, signature: str | None
) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_plivo_signature(method, HOOK, nonce, signature, TOKEN)


def test_request_headers_pick_v3_then_v2() -> None:
    params = {"number": "14155550101", "status": "success", "campaign_id": "CX"}
    body = form_body(params)
    v3 = httpx.Headers(
        {
            "content-type": FORM,
            "x-plivo-signature-v3": sdk_sign("POST", HOOK, params),
            "x-plivo-signature-v3-nonce": NONCE,
        }
    )
    verify_plivo_request("POST", HOOK, v3, body, TOKEN)
    with pytest.raises(WebhookSignatureError):
        verify_plivo_request("POST", HOOK, v3, body.replace(b"success", b"failed"), TOKEN)
    v2 = httpx.Headers(
        {
            "X-Plivo-Signature-V2": v2_signature(HOOK, NONCE, TOKEN),
            "X-Plivo-Signature-V2-Nonce": NONCE,
        }
    )
    verify_plivo_request("POST", HOOK, v2, body, TOKEN)
    with pytest.raises(WebhookSignatureError, match="no signature"):
        verify_plivo_request("POST", HOOK, httpx.Headers({"content-type": FORM}), body, TOKEN)


def test_json_body_is_signed_as_its_parameters() -> None:
    payload = {"number": "14155550101", "status": "success", "campaign_id": "CX"}
    headers = httpx.Headers(
        {
            "content-type": "application/json",
            "x-plivo-signature-v3": sdk_sign("POST", HOOK, payload),
            "x-plivo-signature-v3-nonce": NONCE,
        }
    )
    verify_plivo_request("POST", HOOK, headers, json.dumps(payload).encode(), TOKEN)


# --- status callbacks -------------------------------------------------------------------------


def test_form_link_callback() -> None:
    body = b"number=14155550101&status=success&campaign_id=CX5NVUA"
    assert parse_plivo_event(body, f"{FORM}; charset=utf-8") == [
        LinkEvent("+14155550101", LinkStatus(LinkState.LINKED, "CX5NVUA"))
    ]


def test_json_callback_with_several_numbers() -> None:
    body = {
        "campaign_id": "CX5NVUA",
        "phone_numbers": [
            {"number": "14155550101", "status": "PROCESSING"},
            {"number": "+14155550102", "status": "FAILED", "failure_reason": "carrier said no"},
            {"number": "14155550103", "status": "COMPLETED"},
        ],
    }
    assert parse_plivo_event(json.dumps(body).encode(), "application/json") == [
        LinkEvent("+14155550101", LinkStatus(LinkState.PENDING, "CX5NVUA")),
        LinkEvent(
            "+14155550102", LinkStatus(LinkState.FAILED, "CX5NVUA", "plivo: carrier said no")
        ),
        LinkEvent("+14155550103", LinkStatus(LinkState.LINKED, "CX5NVUA")),
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("created", LinkStatus(LinkState.PENDING)),
        ("success", LinkStatus(LinkState.UNLINKED)),
        ("failed", LinkStatus(LinkState.FAILED, None, "plivo: unlinking failed")),
    ],
)
def test_unlinking_callbacks(status: str, expected: LinkStatus) -> None:
    body = f"endpoint=number_unlinking&number=14155550101&status={status}&campaign_id=CX"
    assert parse_plivo_event(body.encode(), FORM) == [LinkEvent("+14155550101", expected)]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00", FORM),
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"hello", FORM),
        (b"number=14155550101&campaign_id=CX", FORM),
        (b"number=14155550101&status=DANCING&campaign_id=CX", FORM),
        (b"number=call-me&status=success&campaign_id=CX", FORM),
        (b"number=14155550101&status=success", FORM),
        (b"endpoint=voice&number=14155550101&status=success", FORM),
        (b'{"campaign_id": "CX", "phone_numbers": "all"}', "application/json"),
        (b'{"campaign_id": "CX", "phone_numbers": [7]}', "application/json"),
        (b"number=14155550101&status=success&campaign_id=CX", "text/plain"),
    ],
)
def test_garbage_callbacks_raise_value_error(body: bytes, content_type: str) -> None:
    with pytest.raises(ValueError):
        parse_plivo_event(body, content_type)


@pytest.mark.parametrize(
    ("headers", "nonce"),
    [
        ({"X-Plivo-Signature-V2": "s", "X-Plivo-Signature-V2-Nonce": "n2"}, "n2"),
        (
            {
                "X-Plivo-Signature-V3": "s",
                "X-Plivo-Signature-V2": "s",
                "X-Plivo-Signature-V2-Nonce": "n2",
            },
            None,
        ),
        ({"X-Plivo-Signature-V3": "s", "X-Plivo-Signature-V3-Nonce": "n3"}, None),
        ({}, None),
    ],
)
def test_only_a_v2_verified_request_has_a_nonce_to_remember(
    headers: dict[str, str], nonce: str | None
) -> None:
    assert v2_nonce(httpx.Headers(headers)) == nonce
