"""Telnyx's number listings in numlink's terms: the account's numbers (``GET /phone_numbers``
with their messaging settings from ``GET /phone_numbers/messaging``) and the numbers assigned
to a campaign (``GET /10dlc/phone_number_campaigns``). Page tokens are Telnyx page numbers."""

from typing import Any

from providers.base import CampaignNumber, LinkState, NumberInfo, ProviderTemporaryError
from providers.telnyx.mapping import ASSIGNMENT

PAGE_SIZE = 250  # the largest page both number listings allow
ACTIVE = "active"


def page_number(token: str | None) -> int:
    if token is None:
        return 1
    if not token.isdigit() or int(token) < 1:
        raise ValueError(f"not a Telnyx page token: {token!r}")
    return int(token)


def next_token(page: int, size: int, seen: int, meta: object) -> str | None:
    """The next page, from ``meta.total_pages`` when given, else from a full page."""
    if isinstance(meta, dict) and isinstance(meta.get("total_pages"), int):
        return str(page + 1) if page < meta["total_pages"] else None
    return str(page + 1) if seen >= size else None


def records(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = body.get(key)
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise garbled(f"{key} is not a list of objects")
    return found


def account_numbers(
    listed: list[dict[str, Any]], messaging: list[dict[str, Any]]
) -> list[NumberInfo]:
    """Numbers of a ``/phone_numbers`` page with their messaging settings. A number is
    assigned when active and on a messaging profile (Telnyx assigns campaigns only then)."""
    settings = {r.get("phone_number"): r for r in messaging}
    numbers = []
    for record in listed:
        number = record.get("phone_number")
        if not isinstance(number, str):
            raise garbled("phone number record without phone_number")
        extra = settings.get(number, {})
        profile = extra.get("messaging_profile_id") or record.get("messaging_profile_id")
        profile = profile if isinstance(profile, str) and profile else None
        features = extra.get("features") if isinstance(extra.get("features"), dict) else {}
        sms = features.get("sms") is not None if features else profile is not None
        mms = features.get("mms") is not None if features else profile is not None
        active = record.get("status") in (None, ACTIVE)
        numbers.append(NumberInfo(number, active and profile is not None, sms, mms, profile))
    return numbers


def profile_numbers(messaging: list[dict[str, Any]], profile: str) -> list[NumberInfo]:
    """Numbers listed under a messaging profile: on a profile, so assigned."""
    numbers = []
    for record in messaging:
        number = record.get("phone_number")
        if not isinstance(number, str):
            raise garbled("messaging settings record without phone_number")
        features = record.get("features") if isinstance(record.get("features"), dict) else {}
        sms = features.get("sms") is not None if features else True
        mms = features.get("mms") is not None if features else True
        numbers.append(NumberInfo(number, True, sms, mms, profile))
    return numbers


def campaign_numbers(listed: list[dict[str, Any]]) -> list[CampaignNumber]:
    numbers = []
    for record in listed:
        number, status = record.get("phoneNumber"), record.get("assignmentStatus")
        if not isinstance(number, str):
            raise garbled("assignment record without phoneNumber")
        if status not in ASSIGNMENT:
            raise garbled(f"unknown assignmentStatus {status!r}")
        state, _ = ASSIGNMENT[status]
        failure = record.get("failureReasons")
        reason = f"telnyx: {failure or status}" if state is LinkState.FAILED else None
        numbers.append(CampaignNumber(number, state, reason))
    return numbers


def garbled(what: str) -> ProviderTemporaryError:
    return ProviderTemporaryError(f"telnyx: unexpected response: {what}")
