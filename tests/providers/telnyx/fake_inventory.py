"""The numbers of a fake Telnyx account, listed as Telnyx lists them (in the shapes of its
spec): ``GET /phone_numbers`` and ``GET /phone_numbers/messaging`` paged by ``page[number]`` /
``page[size]``, and a campaign's assignments, ``GET /10dlc/phone_number_campaigns`` paged by
``page`` / ``recordsPerPage``. Numbers are listed in number order, so pages are stable."""

import math
from collections.abc import Iterable
from typing import Any

PURCHASED_AT = "2024-01-02T03:04:05Z"
MAX_PAGE = 250


class TelnyxInventory:
    """number → messaging profile id (None: on no profile); released numbers are gone."""

    def __init__(self) -> None:
        self.numbers: dict[str, str | None] = {}
        self._sorted: list[str] | None = None

    def hold(self, numbers: Iterable[str], profile: str | None) -> None:
        for number in numbers:
            self.numbers[number] = profile
        self._sorted = None

    def release(self, numbers: Iterable[str]) -> None:
        for number in numbers:
            self.numbers.pop(number, None)
        self._sorted = None

    def ordered(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.numbers)
        return self._sorted


def paging(query: dict[str, list[str]], number: str, size: str, default: int) -> tuple[int, int]:
    """(page, size) from the query; ValueError for values the spec does not allow."""
    page = int(query.get(number, ["1"])[0])
    per_page = int(query.get(size, [str(default)])[0])
    if page < 1 or not 1 <= per_page <= MAX_PAGE:
        raise ValueError("page out of range")
    return page, per_page


def number_record(number: str, profile: str | None) -> dict[str, Any]:
    return {
        "id": number[1:], "record_type": "phone_number", "phone_number": number,
        "status": "active", "messaging_profile_id": profile, "country_iso_alpha2": "US",
        "phone_number_type": "local", "tags": [], "external_pin": None,
        "deletion_lock_enabled": False, "created_at": PURCHASED_AT, "purchased_at": PURCHASED_AT,
    }  # fmt: skip


def messaging_record(number: str, profile: str | None) -> dict[str, Any]:
    feature = {"domestic_two_way": True, "international_inbound": False,
               "international_outbound": False}  # fmt: skip
    return {
        "id": number[1:], "record_type": "messaging_settings", "phone_number": number,
        "messaging_profile_id": profile, "country_code": "US", "type": "longcode",
        "eligible_messaging_products": ["A2P"], "features": {"sms": feature, "mms": feature},
        "created_at": PURCHASED_AT, "updated_at": PURCHASED_AT,
    }  # fmt: skip


def meta(page: int, size: int, total: int) -> dict[str, int]:
    pages = max(1, math.ceil(total / size))
    return {"page_number": page, "page_size": size, "total_pages": pages, "total_results": total}


def list_numbers(inventory: TelnyxInventory, query: dict[str, list[str]]) -> dict[str, Any]:
    page, size = paging(query, "page[number]", "page[size]", 20)
    ordered = inventory.ordered()
    chosen = ordered[(page - 1) * size : page * size]
    records = [number_record(n, inventory.numbers[n]) for n in chosen]
    return {"data": records, "meta": meta(page, size, len(ordered))}


def list_messaging(inventory: TelnyxInventory, query: dict[str, list[str]]) -> dict[str, Any]:
    page, size = paging(query, "page[number]", "page[size]", 20)
    wanted = query.get("filter[phone_number]", [""])[0]
    profile = query.get("filter[messaging_profile_id]", [None])[0]
    if wanted:
        chosen = [n for n in wanted.split(",") if n in inventory.numbers]
    else:
        chosen = inventory.ordered()
    if profile is not None:
        chosen = [n for n in chosen if inventory.numbers[n] == profile]
    paged = chosen[(page - 1) * size : page * size]
    records = [messaging_record(n, inventory.numbers[n]) for n in paged]
    return {"data": records, "meta": meta(page, size, len(chosen))}
