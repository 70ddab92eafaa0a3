"""Telnyx 10DLC adapter (raw httpx, async; one pooled client shared by every account): number
assignments and listings here, registration in ``brands`` and ``campaigns``, requests and
errors in ``client``."""

from collections.abc import Sequence
from typing import Any

from providers.base import (
    CampaignNumberPage,
    LinkState,
    LinkStatus,
    NumberInfo,
    NumberPage,
    ProfileTask,
    ProfileTaskNumber,
    ProfileTaskStatus,
    ProviderObjectNotFound,
    ProviderRejectedError,
)
from providers.telnyx import inventory
from providers.telnyx.campaigns import TelnyxCampaigns
from providers.telnyx.client import field, garbled
from providers.telnyx.mapping import ASSIGNMENT, assignment_link_status

_ASSIGNMENTS = "/10dlc/phone_number_campaigns"
_BY_PROFILE = "/10dlc/phoneNumberAssignmentByProfile"
# Other 10DLC lists allow up to 500 a page; a page shorter than this is the last one.
_TASK_PAGE_SIZE = 100
_TASK_MAX_PAGES = 1000  # a bound in case the server ignores ``page`` and repeats full pages


class TelnyxProvider(TelnyxCampaigns):
    link_batch_size = 1  # Telnyx assigns one number per call (or by messaging profile)

    async def link(self, number: str, campaign_ref: str) -> None:
        await self._call(
            "POST", _ASSIGNMENTS, json={"phoneNumber": number, "campaignId": campaign_ref}
        )

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        refused: dict[str, str] = {}
        for number in numbers:
            try:
                await self.link(number, campaign_ref)
            except ProviderRejectedError as exc:
                refused[number] = exc.reason
        return refused

    async def move(self, number: str, from_ref: str, to_ref: str) -> None:
        body = {"phoneNumber": number, "campaignId": to_ref}
        await self._call("PUT", f"{_ASSIGNMENTS}/{number}", json=body)

    async def unlink(self, number: str, campaign_ref: str) -> None:
        await self._call("DELETE", f"{_ASSIGNMENTS}/{number}")

    async def get_link_status(self, number: str, campaign_ref: str | None = None) -> LinkStatus:
        try:
            body = await self._call("GET", f"{_ASSIGNMENTS}/{number}")
        except ProviderObjectNotFound:
            return LinkStatus(LinkState.UNLINKED)
        status = field(body, "assignmentStatus", str)
        if status not in ASSIGNMENT:
            raise garbled(f"unknown assignmentStatus {status!r}")
        _, targets_campaign = ASSIGNMENT[status]
        campaign = field(body, "campaignId", str) if targets_campaign else None
        return assignment_link_status(status, campaign, body.get("failureReasons"))

    async def get_number(self, number: str) -> NumberInfo:
        body = await self._call("GET", "/phone_numbers", params={"filter[phone_number]": number})
        records = body.get("data")
        if not isinstance(records, list):
            raise garbled("phone_numbers without a data list")
        match = next(
            (r for r in records if isinstance(r, dict) and r.get("phone_number") == number), None
        )
        if match is None:
            raise ProviderObjectNotFound(f"telnyx: {number} is not on this account")
        # Telnyx needs a messaging profile on the number before a campaign assignment
        (found,) = inventory.account_numbers([match], [])
        return found

    async def list_numbers(
        self, page_token: str | None, messaging_profile_id: str | None = None
    ) -> NumberPage:
        page = _page(page_token)
        paging = {"page[number]": page, "page[size]": inventory.PAGE_SIZE}
        if messaging_profile_id is not None:
            params = {**paging, "filter[messaging_profile_id]": messaging_profile_id}
            body = await self._call("GET", "/phone_numbers/messaging", params=params)
            listed = inventory.records(body, "data")
            numbers = inventory.profile_numbers(listed, messaging_profile_id)
            return NumberPage(numbers, _next(page, len(listed), body))
        body = await self._call("GET", "/phone_numbers", params={**paging, "sort": "phone_number"})
        listed = inventory.records(body, "data")
        messaging: list[dict[str, Any]] = []
        wanted = [r.get("phone_number") for r in listed]
        if wanted:
            params = {
                "page[size]": inventory.PAGE_SIZE,
                "filter[phone_number]": ",".join(n for n in wanted if isinstance(n, str)),
            }
            extra = await self._call("GET", "/phone_numbers/messaging", params=params)
            messaging = inventory.records(extra, "data")
        numbers = inventory.account_numbers(listed, messaging)
        return NumberPage(numbers, _next(page, len(listed), body))

    async def list_campaign_numbers(
        self, campaign_ref: str, page_token: str | None
    ) -> CampaignNumberPage:
        page = _page(page_token)
        params = {
            "filter[telnyx_campaign_id]": campaign_ref,
            "page": page,
            "recordsPerPage": inventory.PAGE_SIZE,
            "sort": "phoneNumber",
        }
        body = await self._call("GET", _ASSIGNMENTS, params=params)
        listed = inventory.records(body, "records")
        total = body.get("totalRecords")
        more = page * inventory.PAGE_SIZE < total if isinstance(total, int) else None
        if more is None:
            more = len(listed) >= inventory.PAGE_SIZE
        return CampaignNumberPage(
            inventory.campaign_numbers(listed), str(page + 1) if more else None
        )

    async def assign_by_profile(self, messaging_profile_id: str, campaign_ref: str) -> str:
        """Start linking every number on the messaging profile to the campaign; returns the
        id of Telnyx's background task."""
        body = await self._call(
            "POST",
            _BY_PROFILE,
            json={"messagingProfileId": messaging_profile_id, "campaignId": campaign_ref},
        )
        task_id: str = field(body, "taskId", str)
        return task_id

    async def get_profile_task(self, task_id: str) -> ProfileTask:
        body = await self._call("GET", f"{_BY_PROFILE}/{task_id}")
        status = field(body, "status", str)
        try:
            return ProfileTask(task_id=task_id, status=ProfileTaskStatus(status))
        except ValueError:
            raise garbled(f"unknown task status {status!r}") from None

    async def list_profile_task_numbers(self, task_id: str) -> list[ProfileTaskNumber]:
        numbers: list[ProfileTaskNumber] = []
        for page in range(1, _TASK_MAX_PAGES + 1):
            body = await self._call(
                "GET",
                f"{_BY_PROFILE}/{task_id}/phoneNumbers",
                params={"page": page, "recordsPerPage": _TASK_PAGE_SIZE},
            )
            records = field(body, "records", list)
            for record in records:
                if not isinstance(record, dict):
                    raise garbled("task number record is not an object")
                reason = record.get("failureReasons") or record.get("reason")
                numbers.append(
                    ProfileTaskNumber(
                        number=field(record, "phoneNumber", str),
                        status=field(record, "status", str),
                        reason=str(reason) if reason else None,
                    )
                )
            if len(records) < _TASK_PAGE_SIZE:
                return numbers
        raise garbled(f"task {task_id} lists more than {_TASK_MAX_PAGES} pages")


def _page(token: str | None) -> int:
    try:
        return inventory.page_number(token)
    except ValueError as exc:
        raise ProviderRejectedError(f"telnyx: {exc}") from None


def _next(page: int, seen: int, body: dict[str, Any]) -> str | None:
    return inventory.next_token(page, inventory.PAGE_SIZE, seen, body.get("meta"))
