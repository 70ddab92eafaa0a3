"""A fake Plivo API on 127.0.0.1 for tests: the 10DLC number-linking, brand, campaign and number
endpoints the Plivo adapter uses, with Plivo's request and answer shapes, in memory.

    with FakePlivo("MAAUTHID", "token", settle_after_s=0.0) as fake:
        fake.add_campaign("CAMP1")
        provider = PlivoProvider(client, "MAAUTHID", "token", base_url=fake.base_url)

A link request is PROCESSING until ``settle_after_s`` has passed, then COMPLETED, or FAILED for
numbers in ``fail_numbers`` (number → reason). A number already linked (or being linked) is
refused with 400, which refuses the whole request. Unlinking is immediate. Numbers are kept the
way Plivo writes them (no ``+``); the fake accepts both spellings. The account's numbers
(``GET Number/``) and a campaign's numbers are listed in number order, paged by ``limit`` (at
most 20, as Plivo's lists) and ``offset``. Registration (profiles, brands, campaigns, import)
is ``fake_registration``'s: ``fake.registration``.
"""

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.providers.plivo.fake_registration import FakeRegistration

JsonBody = dict[str, Any]
MAX_LIMIT = 20


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    json: Any  # the decoded JSON body, None without one
    authorized: bool


@dataclass
class CannedResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Link:
    campaign_id: str
    requested_at: float


class FakePlivo:
    def __init__(self, auth_id: str, auth_token: str, settle_after_s: float = 0.0) -> None:
        self.auth_id = auth_id
        self.auth_token = auth_token
        self.settle_after_s = settle_after_s
        self.campaigns: dict[str, JsonBody] = {}
        self.brands: dict[str, JsonBody] = {}
        self.numbers: dict[str, JsonBody] = {}  # the account's numbers, by Plivo number
        self.fail_numbers: dict[str, str] = {}
        self.links: dict[str, _Link] = {}  # by Plivo number
        self.requests: list[RecordedRequest] = []
        self.canned: list[CannedResponse] = []  # served first, in order, to authorized requests
        self._lock = threading.Lock()
        self._query: dict[str, list[str]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.registration = FakeRegistration(auth_id, auth_token, self.brands, self.campaigns)

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> "FakePlivo":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use FakePlivo as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- test set-up and inspection -----------------------------------------------------------

    def add_campaign(
        self, campaign_id: str, brand_id: str = "BRAND1", status: str = "ACTIVE", **extra: Any
    ) -> None:
        self.campaigns[campaign_id] = {
            "campaign_id": campaign_id,
            "brand_id": brand_id,
            "registration_status": status,
            "usecase": "MIXED",
            "campaign_alias": f"{campaign_id} alias",
            **extra,
        }

    def add_number(self, number: str, sms_enabled: bool = True, mms_enabled: bool = True) -> None:
        plain = _plain(number)
        self.numbers[plain] = {
            "number": plain,
            "number_type": "local",
            "sms_enabled": sms_enabled,
            "mms_enabled": mms_enabled,
            "voice_enabled": True,
            "tendlc_campaign_id": None,
        }

    def fail_next(
        self, status: int, body: JsonBody | bytes, headers: dict[str, str] | None = None
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.canned.append(CannedResponse(status, raw, headers or {}))

    def link_status(self, number: str) -> tuple[str, str] | None:
        """(campaign id, PROCESSING | COMPLETED | FAILED) of the number's link, if any."""
        with self._lock:
            link = self.links.get(_plain(number))
            return None if link is None else (link.campaign_id, self._status(_plain(number), link))

    def tick(self) -> None:
        """Settle the registration reviews whose time has come, as Plivo would unasked."""
        with self._lock:
            self.registration.advance()

    def calls(self, method: str | None = None) -> list[RecordedRequest]:
        """Authorized requests, optionally of one method."""
        return [r for r in self.requests if r.authorized and (method is None or r.method == method)]

    # --- request handling ---------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, authorization: str | None, body: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = _NOT_JSON
        with self._lock:
            authorized = self._authorized(authorization, path)
            self.requests.append(RecordedRequest(method, path, payload, authorized))
            if not authorized:
                return _answer(401, {"error": "Authentication credentials invalid"})
            if self.canned:
                canned = self.canned.pop(0)
                return canned.status, canned.body, canned.headers
            if payload is _NOT_JSON:
                return _answer(400, {"error": "request body is not valid JSON"})
            prefix = f"/v1/Account/{self.auth_id}/"
            segments = [unquote(s) for s in path[len(prefix) :].strip("/").split("/")]
            self._query = query
            self.registration.advance()
            registering = self.registration.route(method, segments, payload, query)
            return registering or self._route(method, segments, payload)

    def _authorized(self, authorization: str | None, path: str) -> bool:
        expected = base64.b64encode(f"{self.auth_id}:{self.auth_token}".encode()).decode()
        return authorization == f"Basic {expected}" and path.startswith(
            f"/v1/Account/{self.auth_id}/"
        )

    def _route(
        self, method: str, segments: list[str], payload: Any
    ) -> tuple[int, bytes, dict[str, str]]:
        match (method, segments):
            case ("POST", ["10dlc", "Campaign", campaign_id, "Number"]):
                return self._link(campaign_id, payload)
            case ("GET", ["10dlc", "Campaign", campaign_id, "Number"]):
                return self._list_links(campaign_id)
            case ("GET", ["Number"]):
                return self._list_numbers()
            case ("GET", ["10dlc", "Campaign", campaign_id, "Number", number]):
                return self._get_link(campaign_id, _plain(number))
            case ("DELETE", ["10dlc", "Campaign", campaign_id, "Number", number]):
                return self._unlink(campaign_id, _plain(number))
            case ("GET", ["10dlc", "Campaign", campaign_id]):
                return _found("campaign", self.campaigns.get(campaign_id))
            case ("GET", ["10dlc", "Brand", brand_id]):
                return _found("brand", self.brands.get(brand_id))
            case ("GET", ["Number", number]):
                record = self.numbers.get(_plain(number))
                if record is None:
                    return _answer(404, {"error": "not found"})
                return _answer(200, dict(record))
        return _answer(404, {"error": "not found"})

    def _link(self, campaign_id: str, payload: Any) -> tuple[int, bytes, dict[str, str]]:
        if campaign_id not in self.campaigns:
            return _answer(404, {"error": "campaign not found"})
        numbers = payload.get("numbers") if isinstance(payload, dict) else None
        if not (isinstance(numbers, list) and numbers and all(isinstance(n, str) for n in numbers)):
            return _answer(400, {"error": "numbers is required"})
        if str(payload.get("method", "POST")).upper() not in ("GET", "POST"):
            return _answer(400, {"error": "method must be GET or POST"})
        for number in map(_plain, numbers):
            link = self.links.get(number)
            if link is None or self._status(number, link) == "FAILED":
                continue  # a failed link may be requested again
            if link.campaign_id == campaign_id:
                return _answer(
                    400, {"error": f"The number {number} is already requested for linking"}
                )
            return _answer(400, {"error": f"The number {number} is linked to another campaign"})
        now = time.monotonic()
        for number in map(_plain, numbers):
            self.links[number] = _Link(campaign_id, now)
        listed = ", ".join(map(_plain, numbers))
        return _accepted(f"link {listed} to campaign {campaign_id}")

    def _list_links(self, campaign_id: str) -> tuple[int, bytes, dict[str, str]]:
        if campaign_id not in self.campaigns:
            return _answer(404, {"error": "campaign not found"})
        held = sorted(n for n, link in self.links.items() if link.campaign_id == campaign_id)
        try:
            limit, offset = self._paging()
        except ValueError:
            return _answer(400, {"error": "limit must be 1-20 and offset at least 0"})
        return _answer(200, self._number_object(campaign_id, held[offset : offset + limit]))

    def _paging(self) -> tuple[int, int]:
        limit = int(self._query.get("limit", [str(MAX_LIMIT)])[0])
        offset = int(self._query.get("offset", ["0"])[0])
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise ValueError("bad paging")
        return limit, offset

    def _list_numbers(self) -> tuple[int, bytes, dict[str, str]]:
        try:
            limit, offset = self._paging()
        except ValueError:
            return _answer(400, {"error": "limit must be 1-20 and offset at least 0"})
        ordered = sorted(self.numbers)
        page = [dict(self.numbers[n]) for n in ordered[offset : offset + limit]]
        more = offset + limit < len(ordered)
        account = f"/v1/Account/{self.auth_id}/Number/"
        meta = {
            "limit": limit,
            "offset": offset,
            "total_count": len(ordered),
            "next": f"{account}?limit={limit}&offset={offset + limit}" if more else None,
            "previous": None if offset == 0 else f"{account}?limit={limit}&offset=0",
        }
        return _answer(200, {"meta": meta, "objects": page})

    def _get_link(self, campaign_id: str, number: str) -> tuple[int, bytes, dict[str, str]]:
        link = self.links.get(number)
        if link is None or link.campaign_id != campaign_id:
            return _answer(404, {"error": f"The number {number} is not linked to this campaign"})
        return _answer(200, self._number_object(campaign_id, [number]))

    def _unlink(self, campaign_id: str, number: str) -> tuple[int, bytes, dict[str, str]]:
        link = self.links.get(number)
        if link is None or link.campaign_id != campaign_id:
            return _answer(404, {"error": f"The number {number} is not linked to this campaign"})
        del self.links[number]
        return _accepted(f"unlink {number} from campaign {campaign_id}")

    def _number_object(self, campaign_id: str, numbers: list[str]) -> JsonBody:
        campaign = self.campaigns.get(campaign_id, {})
        entries = []
        for number in numbers:
            status = self._status(number, self.links[number])
            entry = {"number": number, "status": status}
            if status == "FAILED":
                entry["failure_reason"] = self._failure(number) or "rejected"
            entries.append(entry)
        return {
            "campaign_alias": campaign.get("campaign_alias", ""),
            "campaign_id": campaign_id,
            "phone_numbers": entries,
            "usecase": campaign.get("usecase", ""),
        }

    def _status(self, number: str, link: _Link) -> str:
        if time.monotonic() - link.requested_at < self.settle_after_s:
            return "PROCESSING"
        return "FAILED" if self._failure(number) is not None else "COMPLETED"

    def _failure(self, number: str) -> str | None:
        return {_plain(n): reason for n, reason in self.fail_numbers.items()}.get(number)


_NOT_JSON = object()


def _plain(number: str) -> str:
    return number.strip().removeprefix("+")


def _answer(status: int, body: JsonBody) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps({"api_id": str(uuid.uuid4()), **body}).encode(), {}


def _accepted(request: str) -> tuple[int, bytes, dict[str, str]]:
    return _answer(202, {"message": f"Request to {request} was received and is being processed"})


def _found(key: str, record: JsonBody | None) -> tuple[int, bytes, dict[str, str]]:
    if record is None:
        return _answer(404, {"error": f"{key} not found"})
    return _answer(200, {key: dict(record)})


def _handler_for(fake: FakePlivo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer, headers = fake.handle(
                self.command, self.path, self.headers.get("authorization"), body
            )
            self.send_response(status)
            all_headers = {"Content-Type": "application/json", **headers}
            all_headers["Content-Length"] = str(len(answer))
            for name, value in all_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
