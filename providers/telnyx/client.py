"""Telnyx's REST API as the adapter calls it: one request, its failure in numlink's terms.

Telnyx answers 10DLC resources without a ``data`` envelope, errors as
``{"errors": [{"code", "title", "detail", "source": {"pointer"}}]}`` (a few as one such
error, and a body its framework refuses as ``{"detail": [{"loc", "msg"}]}``), and 429 with
``x-ratelimit-*`` headers.
An error that names fields becomes ``ProviderFieldsRejected`` with numlink's field names.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx

from providers.base import (
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.http import retry_after_s
from providers.telnyx.registration_fields import numlink_field

DEFAULT_BASE_URL = "https://api.telnyx.com/v2"
# records per page, and pages read, when looking through a listing for one record: what a
# crashed registration left is among the newest, and the listing is newest first
_SEARCH_PAGE_SIZE = 100
_SEARCH_MAX_PAGES = 10


class TelnyxClient:
    name = "telnyx"

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        webhook_url: str = "",
    ) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self._base = base_url.rstrip("/")
        # where Telnyx sends this account's registration events (numlink's webhook URL)
        self._webhook_url = webhook_url

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = await self._call_any(method, path, **kwargs)
        if not isinstance(body, dict):
            raise garbled("response is not a JSON object")
        return body

    async def _newest_first(
        self, path: str, params: dict[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        """The records of a 10DLC listing (``page``/``recordsPerPage``/``records``), newest
        first, page by page until one is short (or a bound of pages is read)."""
        for page in range(1, _SEARCH_MAX_PAGES + 1):
            query = {**params, "page": page, "recordsPerPage": _SEARCH_PAGE_SIZE}
            listed = field(await self._call("GET", path, params=query), "records", list)
            for record in listed:
                if isinstance(record, dict):
                    yield record
            if len(listed) < _SEARCH_PAGE_SIZE:
                return

    async def _call_any(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer (``{}`` for an empty one, as 204s and some 200s are)."""
        try:
            response = await self._client.request(
                method, self._base + path, headers=self._headers, **kwargs
            )
        except httpx.TimeoutException:
            raise ProviderTemporaryError("telnyx: request timed out") from None
        except httpx.TransportError as exc:
            raise ProviderTemporaryError(
                f"telnyx: connection failed ({type(exc).__name__})"
            ) from None
        if response.status_code == 429:
            raise ProviderTemporaryError(
                "telnyx: rate limited", retry_after=retry_after_s(response.headers)
            )
        if response.status_code >= 500:
            raise ProviderTemporaryError(f"telnyx: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise refusal(response)
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            raise garbled(f"non-JSON response ({response.headers.get('content-type')})") from None


class TelnyxRefused(ProviderRejectedError):
    """A 4xx naming no field; ``status`` tells a bad request from, say, a bad key."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class TelnyxFieldsRefused(ProviderFieldsRejected):
    def __init__(self, reason: str, fields: dict[str, str], status: int) -> None:
        super().__init__(reason, fields)
        self.status = status


def refused_request(exc: ProviderRejectedError) -> bool:
    """Whether Telnyx refused what was asked (400, 422), not who asked (401, 403…)."""
    return isinstance(exc, TelnyxRefused | TelnyxFieldsRefused) and exc.status in (400, 422)


def garbled(what: str) -> ProviderTemporaryError:
    return ProviderTemporaryError(f"telnyx: unexpected response: {what}")


def refusal(response: httpx.Response) -> ProviderRejectedError:
    """A 4xx in numlink's terms: 404 is a missing object; errors naming fields are refusals
    of those fields (numlink's names), others of the request as a whole."""
    status = response.status_code
    try:
        document = response.json()
    except ValueError:
        document = None
    problems = _problems(document)
    first = problems[0][1] if problems else None
    reason = f"telnyx: {first} (HTTP {status})" if first else f"telnyx: HTTP {status}"
    if status == 404:
        return ProviderObjectNotFound(reason)
    fields: dict[str, str] = {}
    for field, text in problems:
        if field is not None:
            name = numlink_field(field)
            fields[name] = f"{fields[name]}; {text}" if name in fields else f"telnyx: {text}"
    if fields:
        return TelnyxFieldsRefused(reason, fields, status)
    return TelnyxRefused(reason, status)


def _problems(document: object) -> list[tuple[str | None, str]]:
    """(Telnyx field or None, what is wrong) for each error of an error body."""
    if not isinstance(document, dict):
        return []
    found: list[tuple[str | None, str]] = []
    # most errors come as a list; some answers (400 of brand deletion, campaign builder and
    # appeal) are one error object
    listed = document.get("errors") or ([document] if "title" in document else [])
    for error in listed if isinstance(listed, list) else []:
        if isinstance(error, dict):
            text = error.get("detail") or error.get("title") or error.get("code")
            source = error.get("source")
            pointer = source.get("pointer") if isinstance(source, dict) else None
            field = pointer.strip("/").split("/")[-1] if isinstance(pointer, str) else None
            found.append((field or None, str(text)))
    detail = document.get("detail")
    for error in detail if isinstance(detail, list) else []:
        if isinstance(error, dict):
            location = [str(part) for part in error.get("loc") or [] if part != "body"]
            found.append((location[0] if location else None, str(error.get("msg"))))
    return found


def field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind):
        raise garbled(f"missing or malformed {name}")
    return value
