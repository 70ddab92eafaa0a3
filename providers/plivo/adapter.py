"""Plivo 10DLC adapter (raw httpx, async, HTTP Basic auth with the account's auth id and token).

Plivo links numbers per campaign (``/10dlc/Campaign/{id}/Number/``), so a link's status is read
under the campaign the last operation concerned. Errors come as ``{"api_id", "error"}``; Plivo
writes numbers without the leading ``+``, numlink with it.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from providers.base import (
    BrandInfo,
    CampaignInfo,
    CampaignNumber,
    CampaignNumberPage,
    LinkState,
    LinkStatus,
    NumberInfo,
    NumberPage,
    ProviderCallError,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.http import retry_after_s
from providers.plivo.errors import PlivoRejectedError
from providers.plivo.mapping import NUMBER_LINK
from providers.plivo.registration import PlivoRegistration
from providers.plivo.registration_mapping import brand_info, campaign_info

DEFAULT_BASE_URL = "https://api.plivo.com"
# Plivo documents no limit on ``numbers``; 100 keeps one request small and one refusal cheap.
LINK_BATCH_SIZE = 100
# Plivo's lists return at most 20 objects per request (``limit``), paged by ``offset``.
PAGE_SIZE = 20
# Refusals about the account, not about a number: retrying number by number cannot help.
_ACCOUNT_REFUSALS = frozenset({401, 403})


class PlivoProvider(PlivoRegistration):
    name = "plivo"
    link_batch_size = LINK_BATCH_SIZE

    def __init__(
        self,
        client: httpx.AsyncClient,
        auth_id: str,
        auth_token: str,
        base_url: str = DEFAULT_BASE_URL,
        callback_url: str | None = None,
    ) -> None:
        super().__init__()
        self._client = client
        self._auth = httpx.BasicAuth(auth_id, auth_token)
        self._account = f"{base_url.rstrip('/')}/v1/Account/{quote(auth_id, safe='')}"
        self._callback_url = callback_url
        self.auth_id = auth_id

    def __repr__(self) -> str:
        return f"PlivoProvider(auth_id={self.auth_id!r})"

    async def link(self, number: str, campaign_ref: str) -> None:
        try:
            refused = await self._request_links([number], campaign_ref)
        except PlivoRejectedError as exc:
            # A retried link is refused as "already requested": that is success, not a refusal.
            if exc.http_status in _ACCOUNT_REFUSALS or not await self._holds(number, campaign_ref):
                raise
            return
        if number in refused:
            raise ProviderRejectedError(refused[number])

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        if len(numbers) > 1:
            try:
                return await self._request_links(numbers, campaign_ref)
            except PlivoRejectedError as exc:
                if exc.http_status in _ACCOUNT_REFUSALS:
                    raise
                # Plivo refuses the whole request for one bad number: find which, one by one.
        refused: dict[str, str] = {}
        for number in numbers:
            reason = await self._link_or_reason(number, campaign_ref)
            if reason is not None:
                refused[number] = reason
        return refused

    async def move(self, number: str, from_ref: str, to_ref: str) -> None:
        # Plivo has no move: a number holds one campaign, so the old link goes first.
        await self.unlink(number, from_ref)
        await self.link(number, to_ref)

    async def unlink(self, number: str, campaign_ref: str) -> None:
        try:
            await self._call(
                "DELETE", _link_path(campaign_ref, number), json=self._callback(), empty_ok=True
            )
        except ProviderObjectNotFound:
            return  # not linked there (any more): the unlink is done

    async def get_link_status(self, number: str, campaign_ref: str | None) -> LinkStatus:
        if campaign_ref is None:
            return LinkStatus(LinkState.UNLINKED)
        try:
            body = await self._call("GET", _link_path(campaign_ref, number))
        except ProviderObjectNotFound:
            return LinkStatus(LinkState.UNLINKED)
        entry = _number_entries(body).get(_plivo_number(number))
        if entry is None:
            raise _garbled(f"no status for {number}")
        status = entry["status"].upper()
        if status not in NUMBER_LINK:
            raise _garbled(f"unknown number status {entry['status']!r}")
        state = NUMBER_LINK[status]
        campaign = body.get("campaign_id")
        return LinkStatus(
            state,
            campaign if isinstance(campaign, str) and campaign else campaign_ref,
            _failure_reason(entry) if state is LinkState.FAILED else None,
        )

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        return brand_info(await self._brand(provider_brand_id), provider_brand_id)

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        return campaign_info(await self._campaign(provider_campaign_id), provider_campaign_id)

    async def _brand(self, provider_brand_id: str) -> dict[str, Any]:
        body = await self._call("GET", f"/10dlc/Brand/{quote(provider_brand_id, safe='')}/")
        return _object(body, "brand")

    async def _campaign(self, provider_campaign_id: str) -> dict[str, Any]:
        body = await self._call("GET", f"/10dlc/Campaign/{quote(provider_campaign_id, safe='')}/")
        return _object(body, "campaign")

    async def get_number(self, number: str) -> NumberInfo:
        body = await self._call("GET", f"/Number/{_plivo_number(number)}/")
        if _plivo_number(str(body.get("number", ""))) != _plivo_number(number):
            raise _garbled(f"number record is not for {number}")
        return _number_info(body, number)

    async def list_numbers(
        self, page_token: str | None, messaging_profile_id: str | None = None
    ) -> NumberPage:
        """Plivo has no messaging profiles: a profile lists nothing."""
        if messaging_profile_id is not None:
            return NumberPage([], None)
        offset = _offset(page_token)
        params = {"limit": PAGE_SIZE, "offset": offset}
        body = await self._call("GET", "/Number/", params=params)
        objects = body.get("objects")
        if not isinstance(objects, list):
            raise _garbled("number list without objects")
        numbers = [_number_info(o) for o in objects]
        meta = body.get("meta")
        more = meta.get("next") is not None if isinstance(meta, dict) else len(objects) >= PAGE_SIZE
        return NumberPage(numbers, str(offset + PAGE_SIZE) if more and objects else None)

    async def list_campaign_numbers(
        self, campaign_ref: str, page_token: str | None
    ) -> CampaignNumberPage:
        offset = _offset(page_token)
        body = await self._call(
            "GET", _link_path(campaign_ref), params={"limit": PAGE_SIZE, "offset": offset}
        )
        held = []
        for plain, entry in _number_entries(body).items():
            status = entry["status"].upper()
            if status not in NUMBER_LINK:
                raise _garbled(f"unknown number status {entry['status']!r}")
            state = NUMBER_LINK[status]
            reason = _failure_reason(entry) if state is LinkState.FAILED else None
            held.append(CampaignNumber(f"+{plain}", state, reason))
        more = len(held) >= PAGE_SIZE
        return CampaignNumberPage(held, str(offset + PAGE_SIZE) if more else None)

    async def _request_links(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        """One link request; returns the numbers the answer already reports FAILED."""
        body: dict[str, Any] = {"numbers": [_plivo_number(n) for n in numbers]}
        body.update(self._callback() or {})
        answer = await self._call("POST", _link_path(campaign_ref), json=body)
        if "phone_numbers" not in answer:
            return {}  # the documented answer: accepted, statuses follow
        entries = _number_entries(answer)
        refused: dict[str, str] = {}
        for number in numbers:
            entry = entries.get(_plivo_number(number))
            if entry is not None and entry["status"].upper() == "FAILED":
                refused[number] = _failure_reason(entry)
        return refused

    async def _link_or_reason(self, number: str, campaign_ref: str) -> str | None:
        """Link one number; the refusal's reason, or None once accepted."""
        try:
            await self.link(number, campaign_ref)
        except ProviderObjectNotFound:
            raise  # the campaign is gone: a failure of the whole call
        except PlivoRejectedError as exc:
            if exc.http_status in _ACCOUNT_REFUSALS:
                raise
            return exc.reason
        except ProviderRejectedError as exc:
            return exc.reason
        return None

    async def _holds(self, number: str, campaign_ref: str) -> bool:
        """Whether Plivo already holds (or is processing) this number's link to the campaign."""
        try:
            status = await self.get_link_status(number, campaign_ref)
        except ProviderCallError:
            return False
        return status.state in (LinkState.PENDING, LinkState.LINKED)

    def _callback(self) -> dict[str, str] | None:
        if self._callback_url is None:
            return None
        return {"url": self._callback_url, "method": "POST"}

    async def _call(
        self, method: str, path: str, *, empty_ok: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method,
                self._account + path,
                auth=self._auth,
                headers={"Accept": "application/json"},
                **kwargs,
            )
        except httpx.TimeoutException:
            raise ProviderTemporaryError("plivo: request timed out") from None
        except httpx.TransportError as exc:
            raise ProviderTemporaryError(
                f"plivo: connection failed ({type(exc).__name__})"
            ) from None
        status = response.status_code
        if status == 429:
            raise ProviderTemporaryError(
                "plivo: rate limited", retry_after=retry_after_s(response.headers)
            )
        if status >= 500:
            raise ProviderTemporaryError(f"plivo: HTTP {status}")
        if status == 404:
            raise ProviderObjectNotFound(f"plivo: {_error_text(response)}")
        if status >= 400:
            raise PlivoRejectedError(
                f"plivo: {_error_text(response)}", status, _error_fields(response)
            )
        if empty_ok and not response.content.strip():
            return {}
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content-type")
            raise _garbled(f"non-JSON body ({kind}, HTTP {status})") from None
        if not isinstance(body, dict):
            raise _garbled(f"body is not a JSON object (HTTP {status})")
        return body


def _number_info(record: object, number: str | None = None) -> NumberInfo:
    """A number of the account; a number that can send SMS counts as assigned."""
    if not isinstance(record, dict) or not isinstance(record.get("number"), str):
        raise _garbled("number record without number")
    sms, mms = record.get("sms_enabled"), record.get("mms_enabled")
    if not isinstance(sms, bool) or not isinstance(mms, (bool, type(None))):
        raise _garbled("number without sms_enabled")
    number = number or f"+{_plivo_number(record['number'])}"
    return NumberInfo(number=number, assigned=sms, sms_enabled=sms, mms_enabled=bool(mms))


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise ProviderRejectedError(f"plivo: not a page token: {token!r}")
    return int(token)


def _link_path(campaign_ref: str, number: str | None = None) -> str:
    path = f"/10dlc/Campaign/{quote(campaign_ref, safe='')}/Number/"
    return path if number is None else f"{path}{_plivo_number(number)}/"


def _plivo_number(number: str) -> str:
    return number.strip().removeprefix("+")


def _garbled(what: str) -> ProviderTemporaryError:
    return ProviderTemporaryError(f"plivo: unexpected response: {what}")


def _object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise _garbled(f"no {key} object")
    return value


def _number_entries(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``phone_numbers`` as ``{plivo number: entry}``; every entry has str number and status."""
    entries = body.get("phone_numbers")
    if not isinstance(entries, list):
        raise _garbled("phone_numbers is not a list")
    by_number: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("number"), str)
            and isinstance(entry.get("status"), str)
        ):
            raise _garbled("phone_numbers entry without number and status")
        by_number[_plivo_number(entry["number"])] = entry
    return by_number


def _failure_reason(entry: dict[str, Any]) -> str:
    for key in ("failure_reason", "reason", "error"):
        text = entry.get(key)
        if isinstance(text, str) and text.strip():
            return f"plivo: {text.strip()}"
    return "plivo: linking failed"


def _error_fields(response: httpx.Response) -> dict[str, str]:
    """A validation answer's ``{"error": {"field": ["message", …]}}`` as field → text."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    if not isinstance(error, dict):
        return {}
    return {
        str(field): "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)
        for field, msgs in error.items()
    }


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, str) and error.strip():
        return f"{error.strip()} (HTTP {response.status_code})"
    if isinstance(error, dict) and error:
        # validation answers: {"field": ["message", ...]}
        parts = [f"{field}: {msgs}" for field, msgs in error.items()]
        return f"{'; '.join(parts)} (HTTP {response.status_code})"
    return f"HTTP {response.status_code}"
