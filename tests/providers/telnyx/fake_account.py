"""The state of a fake Telnyx account and its answers, in the shapes of Telnyx's OpenAPI spec
(the Prism proxy tests check every answer against it).

An assignment is PENDING_ASSIGNMENT for ``settle_after_s``, then ASSIGNED (FAILED_ASSIGNMENT
for ``fail_numbers``); an unassignment is PENDING_UNASSIGNMENT, then the record is gone.
Assignment by messaging profile assigns every number of ``profiles[profile_id]`` in one task,
which is pending for ``settle_after_s`` and then completed. Brands and campaigns registered
through the API (and vettings, PINs, shared campaigns) are in ``fake_brands`` and
``fake_campaigns``; a brand or campaign id the fake never registered reads as an imported,
active one.
"""

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson

from tests.providers.fake_http import Reply, error_reply, json_reply
from tests.providers.telnyx import fake_inventory
from tests.providers.telnyx.fake_campaigns import FakeRegistration
from tests.providers.telnyx.fake_inventory import TelnyxInventory

ASSIGNMENTS = "/v2/10dlc/phone_number_campaigns"
BY_PROFILE = "/v2/10dlc/phoneNumberAssignmentByProfile"
DEFAULT_PROFILE = "fake-messaging-profile"  # of every number on no profile in ``profiles``
REGISTRATION_KINDS = frozenset(
    {"brands", "brand", "campaigns", "campaign", "campaign_builder", "partner_campaign"}
)


@dataclass(slots=True)
class _Assignment:
    campaign_id: str
    settles_at: float  # monotonic time the pending operation completes
    created_at: str
    updated_at: str
    unassigning: bool = False


@dataclass(frozen=True, slots=True)
class _ProfileTask:
    numbers: tuple[str, ...]
    settles_at: float
    created_at: str


def _not_found(detail: str) -> Reply:
    return error_reply(404, "10005", "Resource not found", detail)


def _bad_request(detail: str) -> Reply:
    return error_reply(400, "10015", "Bad request", detail)


def _tcr_id(campaign_id: str) -> str:
    return "C" + campaign_id[:6].upper()


def _now_text() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


class TelnyxAccount:
    """Not thread-safe: the fake calls it from its event loop only."""

    def __init__(
        self,
        settle_after_s: float,
        fail_numbers: Iterable[str] = (),
        campaigns: Mapping[str, str] | None = None,  # id → campaignStatus; None: all, provisioned
        profiles: Mapping[str, Iterable[str]] | None = None,  # messaging profile → numbers
    ) -> None:
        self.settle_after_s = settle_after_s
        self.fail_numbers = frozenset(fail_numbers)
        self.campaigns = campaigns
        self.profiles = {p: tuple(numbers) for p, numbers in (profiles or {}).items()}
        self._records: dict[str, _Assignment] = {}
        # the account's numbers, when a test says which; else every US number is on it
        self.inventory = TelnyxInventory()
        self._changes = 0  # counts record changes, for the listing cache
        self._held_cache: tuple[tuple[int, int, str | None], list[str]] | None = None
        self._tasks: dict[str, _ProfileTask] = {}
        # brands and campaigns registered through the API (``fake_brands``, ``fake_campaigns``)
        self.registration = FakeRegistration(settle_after_s)

    def assignments(self) -> dict[str, tuple[str, str]]:
        """number → (campaignId, assignmentStatus) now."""
        now = time.monotonic()
        live = ((n, self._status(n, now)) for n in list(self._records))
        return {n: (self._records[n].campaign_id, s) for n, s in live if s is not None}

    def set_assignment(self, number: str, campaign: str | None) -> None:
        """Drift made at the provider: the number's campaign now (None: none), settled."""
        self._changes += 1
        if campaign is None:
            self._records.pop(number, None)
            return
        self._put(number, campaign, time.monotonic() - self.settle_after_s)

    def _held_on(self, campaign: str | None) -> list[str]:
        """The numbers with a record on the campaign (any, for None), in number order; kept
        until the records change, so listing a large campaign page by page stays cheap."""
        key = (self._changes, len(self._records), campaign)
        if self._held_cache is None or self._held_cache[0] != key:
            held = sorted(n for n, r in self._records.items() if campaign in (None, r.campaign_id))
            self._held_cache = (key, held)
        return self._held_cache[1]

    def answer(self, method: str, kind: str, arg: str, query: str, body: bytes) -> Reply:
        if kind in REGISTRATION_KINDS:
            registered = self.registration.answer(method, kind, arg, query, body)
            if registered is not None:
                return registered
        if kind == "assignments" and method == "POST":
            return self._assign(body, None)
        if method == "GET" and kind in ("assignments", "phone_numbers_messaging"):
            return self._listing(kind, parse_qs(query))
        lookup = "filter[phone_number]" in parse_qs(query)
        if method == "GET" and kind == "phone_numbers" and not lookup:
            return self._listing(kind, parse_qs(query))
        if kind == "assignment" and method in ("GET", "PUT", "DELETE"):
            if method == "GET":
                return self._show(arg)
            return self._assign(body, arg) if method == "PUT" else self._unassign(arg)
        if kind == "profile_tasks" and method == "POST":
            return self._assign_profile(body)
        if method == "GET" and kind == "profile_task":
            return self._profile_task(arg)
        if method == "GET" and kind == "profile_task_numbers":
            return self._profile_task_numbers(arg, parse_qs(query))
        if method == "GET" and kind == "campaign":
            return self._campaign(arg)
        if method == "GET" and kind == "brand":
            return json_reply(200, _brand_body(arg))
        if method == "GET" and kind == "phone_numbers":
            number = parse_qs(query).get("filter[phone_number]", [""])[0]
            if self.inventory.numbers and number not in self.inventory.numbers:
                return json_reply(200, {"data": [], "meta": fake_inventory.meta(1, 20, 0)})
            return json_reply(200, _phone_numbers_body(number, self._profile_of(number)))
        return _not_found(f"no route for {method} {kind}")

    # ---- single assignments
    def _status(self, number: str, now: float) -> str | None:
        """The record's status now; removes it once its unassignment has completed."""
        record = self._records.get(number)
        if record is None:
            return None
        settled = now >= record.settles_at
        if record.unassigning:
            if settled:
                del self._records[number]
                return None
            return "PENDING_UNASSIGNMENT"
        if not settled:
            return "PENDING_ASSIGNMENT"
        return "FAILED_ASSIGNMENT" if number in self.fail_numbers else "ASSIGNED"

    def _record_reply(self, number: str, status: str) -> Reply:
        record = self._records[number]
        campaign = record.campaign_id
        payload = {"phoneNumber": number, "campaignId": campaign, "telnyxCampaignId": campaign,
                   "tcrCampaignId": _tcr_id(campaign), "brandId": "fake-brand",
                   "assignmentStatus": status, "createdAt": record.created_at,
                   "updatedAt": record.updated_at}  # fmt: skip
        if status == "FAILED_ASSIGNMENT":
            payload["failureReasons"] = "Number is not eligible for this campaign"
        return json_reply(200, payload)

    def _show(self, number: str) -> Reply:
        status = self._status(number, time.monotonic())
        if status is None:
            return _not_found(f"{number} has no campaign")
        return self._record_reply(number, status)

    def _assign(self, body: bytes, path_number: str | None) -> Reply:
        """POST (``path_number`` None) creates; PUT replaces or creates."""
        try:
            request = orjson.loads(body)
            number = path_number or request["phoneNumber"]
            campaign = request["campaignId"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _bad_request("phoneNumber and campaignId are required")
        if not isinstance(number, str) or not isinstance(campaign, str):
            return _bad_request("phoneNumber and campaignId are strings")
        if self.campaigns is not None and campaign not in self.campaigns:
            return _not_found(f"campaign {campaign} not found")
        now = time.monotonic()
        status = self._status(number, now)
        if path_number is None and status not in (None, "FAILED_ASSIGNMENT"):
            held = self._records[number].campaign_id
            detail = f"{number} is already assigned to campaign {held}"
            return error_reply(400, "10016", "Phone number already assigned", detail)
        self._put(number, campaign, now)
        return self._record_reply(number, self._status(number, now) or "PENDING_ASSIGNMENT")

    def _put(self, number: str, campaign: str, now: float) -> None:
        self._changes += 1
        stamp = _now_text()
        previous = self._records.get(number)
        created = previous.created_at if previous is not None else stamp
        settles_at = now + self.settle_after_s
        self._records[number] = _Assignment(campaign, settles_at, created, stamp)

    def _unassign(self, number: str) -> Reply:
        now = time.monotonic()
        status = self._status(number, now)
        if status is None:
            return _not_found(f"{number} has no campaign")
        record = self._records[number]
        if not record.unassigning:
            record.unassigning = True
            record.settles_at = now + self.settle_after_s
            record.updated_at = _now_text()
        return self._record_reply(number, "PENDING_UNASSIGNMENT")

    # ---- listings
    def _listing(self, kind: str, query: dict[str, list[str]]) -> Reply:
        try:
            if kind == "phone_numbers":
                return json_reply(200, fake_inventory.list_numbers(self.inventory, query))
            if kind == "phone_numbers_messaging":
                return json_reply(200, fake_inventory.list_messaging(self.inventory, query))
            campaign = query.get("filter[telnyx_campaign_id]", [None])[0]
            held = self._held_on(campaign)
            page, size = fake_inventory.paging(query, "page", "recordsPerPage", 20)
            now, records = time.monotonic(), []
            for number in held[(page - 1) * size : page * size]:
                status = self._status(number, now)
                if status is not None:
                    records.append(orjson.loads(self._record_reply(number, status).body))
            body = {"records": records, "page": page, "totalRecords": len(held)}
            return json_reply(200, body)
        except ValueError:
            return _bad_request("page and page size are positive integers (size at most 250)")

    # ---- assignment by messaging profile
    def _profile_of(self, number: str) -> str | None:
        if number in self.inventory.numbers:
            return self.inventory.numbers[number]
        held = (p for p, numbers in self.profiles.items() if number in numbers)
        return next(held, DEFAULT_PROFILE)

    def _assign_profile(self, body: bytes) -> Reply:
        try:
            request = orjson.loads(body)
            profile, campaign = request["messagingProfileId"], request["campaignId"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _bad_request("messagingProfileId and campaignId are required")
        if profile not in self.profiles:
            return _not_found(f"messaging profile {profile} not found")
        if self.campaigns is not None and campaign not in self.campaigns:
            return _not_found(f"campaign {campaign} not found")
        now, task_id = time.monotonic(), str(uuid.uuid4())
        for number in self.profiles[profile]:
            self._put(number, campaign, now)
        settles_at, created = now + self.settle_after_s, datetime.now(UTC).isoformat()
        self._tasks[task_id] = _ProfileTask(self.profiles[profile], settles_at, created)
        payload = {"messagingProfileId": profile, "campaignId": campaign, "taskId": task_id}
        return json_reply(202, payload)

    def _profile_task(self, task_id: str) -> Reply:
        task = self._tasks.get(task_id)
        if task is None:
            return _not_found(f"task {task_id} not found")
        status = "completed" if time.monotonic() >= task.settles_at else "pending"
        payload = {"taskId": task_id, "status": status, "createdAt": task.created_at}
        return json_reply(200, payload)

    def _profile_task_numbers(self, task_id: str, query: dict[str, list[str]]) -> Reply:
        task = self._tasks.get(task_id)
        if task is None:
            return _not_found(f"task {task_id} not found")
        try:
            page = int(query.get("page", ["1"])[0])
            size = int(query.get("recordsPerPage", ["20"])[0])
        except ValueError:
            return _bad_request("page and recordsPerPage are integers")
        settled = time.monotonic() >= task.settles_at
        records = [
            {"taskId": task_id, "phoneNumber": number, "status": _task_number_status(
                settled, number in self.fail_numbers)}
            for number in task.numbers[(page - 1) * size : page * size]
        ]  # fmt: skip
        return json_reply(200, {"records": records})

    def _campaign(self, campaign_id: str) -> Reply:
        campaigns = self.campaigns
        if campaigns is not None and campaign_id not in campaigns:
            return _not_found(f"campaign {campaign_id} not found")
        status = "MNO_PROVISIONED" if campaigns is None else campaigns[campaign_id]
        return json_reply(200, _campaign_body(campaign_id, status))


def _task_number_status(settled: bool, fails: bool) -> str:
    if not settled:
        return "pending"
    return "failed" if fails else "success"


def route_of(path: str) -> tuple[str, str]:
    """(path kind, its id) — the kind also names the request in the stats."""
    if path == ASSIGNMENTS:
        return "assignments", ""
    if path.startswith(ASSIGNMENTS + "/"):
        return "assignment", path[len(ASSIGNMENTS) + 1 :]
    if path == BY_PROFILE:
        return "profile_tasks", ""
    if path.startswith(BY_PROFILE + "/"):
        task_id, _, rest = path[len(BY_PROFILE) + 1 :].partition("/")
        kinds = {"": "profile_task", "phoneNumbers": "profile_task_numbers"}
        return kinds.get(rest, "other"), task_id
    exact = {"/v2/10dlc/brand": "brands", "/v2/10dlc/campaign": "campaigns",
             "/v2/10dlc/campaignBuilder": "campaign_builder"}  # fmt: skip
    if path in exact:
        return exact[path], ""
    for prefix, kind in (
        ("/v2/10dlc/campaign/", "campaign"),
        ("/v2/10dlc/brand/", "brand"),
        ("/v2/10dlc/campaignBuilder/", "campaign_builder"),
        ("/v2/10dlc/partner_campaigns/", "partner_campaign"),
    ):
        if path.startswith(prefix):
            return kind, path[len(prefix) :]
    if path == "/v2/phone_numbers":
        return "phone_numbers", ""
    if path == "/v2/phone_numbers/messaging":
        return "phone_numbers_messaging", ""
    return "other", ""


def _brand_body(brand_id: str) -> dict[str, Any]:
    return {"brandId": brand_id, "displayName": f"Brand {brand_id}",
            "entityType": "PRIVATE_PROFIT", "country": "US", "email": "support@example.com",
            "brandRelationship": "BASIC_ACCOUNT", "vertical": "TECHNOLOGY",
            "identityStatus": "VERIFIED", "status": "OK", "assignedCampaignsCount": 1}  # fmt: skip


def _campaign_body(campaign_id: str, status: str) -> dict[str, Any]:
    return {"campaignId": campaign_id, "brandId": "fake-brand", "usecase": "MIXED",
            "subUsecases": [], "description": f"Campaign {campaign_id}", "cspId": "FAKECSP",
            "mock": False, "termsAndConditions": True, "tcrCampaignId": _tcr_id(campaign_id),
            "campaignStatus": status}  # fmt: skip


def _phone_numbers_body(number: str, profile: str | None) -> dict[str, Any]:
    # without a test's inventory every US number is on the account, with a messaging profile
    on_account = number.startswith("+1") and len(number) == 12 and number[1:].isdigit()
    records = [fake_inventory.number_record(number, profile)] if on_account else []
    return {"data": records, "meta": fake_inventory.meta(1, 20, len(records))}


def load_numbers(account: TelnyxAccount, path: str) -> None:
    """The account's numbers from a file of ``number[,campaign]`` lines (with a campaign: an
    assignment to it, settled)."""
    with open(path) as source:
        for line in source:
            number, _, campaign = line.strip().partition(",")
            if number:
                account.inventory.hold([number], None)
                if campaign:
                    account.set_assignment(number, campaign)
