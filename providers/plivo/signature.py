"""Plivo webhooks: request signatures (V3, and the older V2) and status callbacks.

V3 (``X-Plivo-Signature-V3`` with ``X-Plivo-Signature-V3-Nonce``) signs
``{signed url}.{nonce}`` with HMAC-SHA256 keyed by the auth token, base64. The signed url is
the callback URL without its query, then:

* GET: ``?`` and every query parameter as ``key=value``, sorted and joined by ``&``;
* POST with form parameters: ``?``, the URL's sorted query (if any) followed by ``.``, then
  every body parameter as ``keyvalue``, sorted by key, with no separators;
* POST without parameters: as GET.

A parameter with several values contributes each value, values sorted. The header may carry
several comma-separated signatures (one per auth token of the account); one match suffices.
V2 (``X-Plivo-Signature-V2``) signs the URL without its query followed directly by the nonce.
V2 signs no time and not the body, so a captured V2 request verifies forever: the gateway
remembers each V2 nonce and refuses it the second time (``refuse_v2_replay``). When both
headers are present V3 is checked and V2 ignored.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse, urlunparse

from providers.base import LinkState, LinkStatus
from providers.events import LinkEvent, ProviderEvent, WebhookSignatureError
from providers.plivo.callbacks import REGISTRATION_ENDPOINTS, registration_events
from providers.plivo.mapping import LINK_CALLBACK, UNLINK_CALLBACK

V3_HEADER = "X-Plivo-Signature-V3"
V3_NONCE_HEADER = "X-Plivo-Signature-V3-Nonce"
V2_HEADER = "X-Plivo-Signature-V2"
V2_NONCE_HEADER = "X-Plivo-Signature-V2-Nonce"

Params = Mapping[str, Any]


def verify_plivo_signature(
    method: str,
    url: str,
    nonce: str | None,
    signature: str | None,
    auth_token: str,
    params: Params | bytes | None = None,
    *,
    v2: bool = False,
) -> None:
    """Raise ``WebhookSignatureError`` unless ``signature`` signs this request.

    ``url``: the full URL Plivo called, query included. ``params``: the POST body's form
    parameters, as a mapping (a list value for a repeated key) or as the raw
    ``application/x-www-form-urlencoded`` body; GET parameters are read from ``url``.
    """
    if not nonce or not signature:
        raise WebhookSignatureError("plivo: missing signature or nonce")
    if v2:
        expected = _sign(auth_token, _url_without_query(url) + nonce)
        offered = [signature.strip()]
    else:
        expected = _sign(auth_token, f"{signed_url_v3(method, url, params)}.{nonce}")
        offered = [part.strip() for part in signature.split(",")]
    if not any(hmac.compare_digest(expected, part) for part in offered):
        raise WebhookSignatureError("plivo: signature does not match")


def verify_plivo_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes, auth_token: str
) -> None:
    """Check a callback by its headers: V3 when Plivo sent it, else V2.

    ``headers`` must look names up case-insensitively (Starlette's and httpx's headers do).
    """
    if headers.get(V3_HEADER):
        params = _body_params(body, headers.get("content-type", "")) if body else None
        verify_plivo_signature(
            method, url, headers.get(V3_NONCE_HEADER), headers[V3_HEADER], auth_token, params
        )
    elif headers.get(V2_HEADER):
        verify_plivo_signature(
            method, url, headers.get(V2_NONCE_HEADER), headers[V2_HEADER], auth_token, v2=True
        )
    else:
        raise WebhookSignatureError("plivo: request carries no signature")


def v2_nonce(headers: Mapping[str, str]) -> str | None:
    """The V2 nonce a request was verified by, or None if V3 verified it (or none was sent)."""
    if headers.get(V3_HEADER) or not headers.get(V2_HEADER):
        return None
    return headers.get(V2_NONCE_HEADER) or None


def signed_url_v3(method: str, url: str, params: Params | bytes | None = None) -> str:
    """The string a V3 signature covers, before ``.{nonce}`` is appended."""
    verb = method.upper()
    if verb not in ("GET", "POST"):
        raise WebhookSignatureError(f"plivo: callbacks are GET or POST, not {method}")
    if isinstance(params, bytes):
        params = _form_params(params)
    parsed = urlparse(url)
    base = _url_without_query(url)
    url_query: dict[str, Any] = dict(parse_qs(parsed.query, keep_blank_values=True))
    if verb == "GET" or not params:
        merged = {**(params or {}), **url_query} if verb == "GET" else url_query
        query = _query_string(merged)
        return f"{base}?{query}" if query else base
    query = _query_string(url_query)
    # with body parameters the "?" always appears, and a non-empty query ends with "."
    return f"{base}?{query + '.' if query else ''}{_params_string(params)}"


def _sign(auth_token: str, message: str) -> str:
    digest = hmac.new(auth_token.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _url_without_query(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse((parsed.scheme, parsed.netloc, parsed.path, "", "", ""))


def _text(value: object) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _query_string(params: Params) -> str:
    parts = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, list):
            parts.append("&".join(f"{key}={v}" for v in sorted(_text(x) for x in value)))
        else:
            parts.append(f"{key}={_text(value)}")
    return "&".join(parts)


def _params_string(params: Params) -> str:
    parts = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, list):
            parts.append("".join(f"{key}{v}" for v in sorted(_text(x) for x in value)))
        elif isinstance(value, Mapping):
            parts.append(f"{key}{_params_string(value)}")
        else:
            parts.append(f"{key}{_text(value)}")
    return "".join(parts)


def _form_params(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise WebhookSignatureError("plivo: body is not form-encoded") from None


def _body_params(body: bytes, content_type: str) -> Params | None:
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return _form_params(body)
    if kind == "application/json" or kind.endswith("+json"):
        try:
            payload = json.loads(body)
        except ValueError:
            raise WebhookSignatureError("plivo: body is not JSON") from None
        return payload if isinstance(payload, dict) else None
    return None


# --- status callbacks -------------------------------------------------------------------------


def parse_plivo_event(body: bytes, content_type: str) -> list[ProviderEvent]:
    """The events of a status callback: link events of a number-linking (or unlinking)
    callback, registration events of a brand or campaign callback (``callbacks``).

    Accepts a form-encoded or JSON body with ``number``, ``status`` and ``campaign_id``, or a
    JSON ``phone_numbers`` list of ``{number, status}``. For a GET callback pass the query
    string as a form body. Raises ``ValueError`` for anything else.
    """
    payload = _callback_payload(body, content_type)
    endpoint = str(payload.get("endpoint") or "number_linking").lower()
    if endpoint in REGISTRATION_ENDPOINTS:
        return registration_events(endpoint, payload)
    if endpoint not in ("number_linking", "number_unlinking"):
        raise ValueError(f"plivo callback for unknown endpoint {endpoint!r}")
    unlinking = endpoint == "number_unlinking"
    campaign = payload.get("campaign_id")
    if campaign is not None and not (isinstance(campaign, str) and campaign):
        raise ValueError("plivo callback with a malformed campaign_id")
    entries = payload.get("phone_numbers", [payload])
    if not isinstance(entries, list) or not entries:
        raise ValueError("plivo callback without numbers")
    return [_link_event(entry, campaign, unlinking) for entry in entries]


def _callback_payload(body: bytes, content_type: str) -> dict[str, Any]:
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise ValueError("plivo callback is not UTF-8") from None
    if kind == "application/json" or kind.endswith("+json"):
        payload = json.loads(text)  # JSONDecodeError is a ValueError
        if not isinstance(payload, dict):
            raise ValueError("plivo callback is not a JSON object")
        return payload
    if kind in ("application/x-www-form-urlencoded", ""):
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
        return {key: values[-1] for key, values in form.items()}
    raise ValueError(f"plivo callback with unsupported content type {content_type!r}")


def _link_event(entry: object, campaign: str | None, unlinking: bool) -> LinkEvent:
    if not isinstance(entry, dict):
        raise ValueError("plivo callback number entry is not an object")
    number, status = entry.get("number"), entry.get("status")
    if not isinstance(number, str) or not isinstance(status, str):
        raise ValueError("plivo callback without number and status")
    table = UNLINK_CALLBACK if unlinking else LINK_CALLBACK
    state = table.get(status.strip().upper())
    if state is None:
        raise ValueError(f"plivo callback with unknown status {status!r}")
    if not unlinking and campaign is None:
        raise ValueError("plivo link callback without campaign_id")
    reason = None
    if state is LinkState.FAILED:
        detail = entry.get("failure_reason") or entry.get("reason") or entry.get("error")
        if not (isinstance(detail, str) and detail):
            detail = "unlinking failed" if unlinking else "linking failed"
        reason = f"plivo: {detail}"
    target = None if unlinking or state is LinkState.UNLINKED else campaign
    return LinkEvent(number=_e164(number), status=LinkStatus(state, target, reason))


def _e164(number: str) -> str:
    digits = number.strip().removeprefix("+")
    if not (digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15):
        raise ValueError(f"plivo callback with a malformed number {number!r}")
    return f"+{digits}"
