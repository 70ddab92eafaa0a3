"""A fault-injecting fake of the Telnyx 10DLC API (the part ``TelnyxProvider`` calls).

A minimal asyncio HTTP/1.1 server with keep-alive, lean enough for benchmarks. It keeps number
assignments in memory, enforces a token-bucket rate limit per API key and, at configurable
rates, answers with 5xx, 429, hangs, connection resets, slow answers or a 200 HTML page.
Faults on mutating requests land before or after the state change, as a real provider's do.

In-process: ``with FakeTelnyx(api_key="KEY", faults=FaultRates(server_error=0.1)) as fake:``
then ``TelnyxProvider(client, "KEY", fake.base_url)``. As a process:
``python -m tests.fakes.telnyx_server --port 0 --rate 50 --error-rate 0.1``, which prints its
base URL (ending in /v2) as the first stdout line, serves ``GET /_fake/state`` and stops on
SIGTERM.
"""

import argparse
import asyncio
import contextlib
import copy
import random
import signal
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, unquote

import orjson

ASSIGNMENTS = "/v2/10dlc/phone_number_campaigns"
STATE_PATHS = ("/_fake/state", "/v2/_fake/state")
MUTATING = frozenset({"POST", "PUT", "DELETE"})
SERVER_ERRORS = (500, 502, 503)
T = TypeVar("T")
HTML_PAGE = b"<html><body><h1>502 Bad Gateway</h1><p>upstream unavailable</p></body></html>"


@dataclass(frozen=True, slots=True)
class FaultRates:
    """Chance per request of each fault; ``after_change`` is the chance that a fault on a
    mutating request comes after its state change (a 429 never does: it is the gateway's)."""

    server_error: float = 0.0  # 500, 502 or 503
    rate_limited: float = 0.0  # 429 with Retry-After and x-ratelimit-* headers
    timeout: float = 0.0  # no answer for ``hang_s``
    reset: float = 0.0  # the connection is reset without an answer
    slow: float = 0.0  # a normal answer after ``slow_s``
    html: float = 0.0  # 200 with an HTML error page
    after_change: float = 0.5

    def pick(self, draw: float) -> str | None:
        for kind in ("server_error", "rate_limited", "timeout", "reset", "slow", "html"):
            draw -= getattr(self, kind)
            if draw < 0:
                return kind
        return None


@dataclass(frozen=True, slots=True)
class FakeConfig:
    api_key: str = "KEY"
    rate_per_s: float = 0.0  # 0: no enforced limit
    burst: float | None = None  # bucket size; defaults to one second's worth
    faults: FaultRates = FaultRates()
    seed: int = 0
    settle_after_s: float = 0.05
    hang_s: float = 30.0
    slow_s: float = 0.2
    retry_after_s: float = 1.0  # Retry-After of an injected 429
    fail_numbers: frozenset[str] = frozenset()
    # campaign id → campaignStatus; None: every campaign exists and is provisioned
    campaigns: Mapping[str, str] | None = None


@dataclass(slots=True)
class FakeStats:
    requests: Counter[str] = field(default_factory=Counter)  # "POST assignments", ...
    faults: Counter[str] = field(default_factory=Counter)
    faults_after_change: int = 0
    throttled: Counter[str] = field(default_factory=Counter)  # 429s: "limit" | "fault"
    unauthorized: int = 0


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class _Assignment:
    campaign_id: str
    settles_at: float  # monotonic time the pending operation completes
    created_at: str
    updated_at: str
    unassigning: bool = False


def _json(status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, orjson.dumps(payload), headers=headers)


def _error(status: int, code: str, title: str, detail: str, **kw: Any) -> Reply:
    return _json(status, {"errors": [{"code": code, "title": title, "detail": detail}]}, **kw)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _tcr_id(campaign_id: str) -> str:
    return "C" + campaign_id[:6].upper()


def _now_text() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


class FakeTelnyxCore:
    """Everything but the socket: auth, rate limit, fault choice, state and routes. Not
    thread-safe: everything, snapshots included, runs on the server's event loop."""

    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self._auth = f"Bearer {config.api_key}"
        self.faults = config.faults  # replaceable while serving, e.g. to end a chaos phase
        self._rng = random.Random(config.seed)
        self._records: dict[str, _Assignment] = {}
        self._stats = FakeStats()
        self._burst = config.burst if config.burst is not None else max(1.0, config.rate_per_s)
        self._tokens = self._burst
        self._refilled_at = time.monotonic()

    # ---- views for the test or parent process
    def stats(self) -> FakeStats:
        return copy.deepcopy(self._stats)

    def assignments(self) -> dict[str, tuple[str, str]]:
        now = time.monotonic()
        live = ((n, self._status(n, now)) for n in list(self._records))
        return {n: (self._records[n].campaign_id, s) for n, s in live if s is not None}

    def snapshot(self) -> dict[str, Any]:
        assignments = self.assignments().items()
        return {
            "assignments": {
                n: {"campaignId": c, "assignmentStatus": s} for n, (c, s) in assignments
            },
            "stats": {f.name: getattr(self._stats, f.name) for f in fields(self._stats)},
            "rate_limit_violations": self._stats.throttled["limit"],
        }

    # ---- request handling
    async def handle(self, method: str, target: str, auth: str | None, body: bytes) -> Reply | None:
        """The answer to one request; None means reset the connection without one."""
        path, _, query = target.partition("?")
        path = unquote(path)
        if method == "GET" and path in STATE_PATHS:
            return _json(200, self.snapshot())
        kind, arg = _route_of(path)
        self._stats.requests[f"{method} {kind}"] += 1
        if auth != self._auth:
            self._stats.unauthorized += 1
            return _error(401, "10009", "Authentication failed", "missing or wrong API key")
        wait = self._take_token()
        if wait is not None:
            self._stats.throttled["limit"] += 1
            return self._too_many(wait)
        fault = self.faults.pick(self._rng.random())
        if fault is None:
            return self._answer(method, kind, arg, query, body)
        self._stats.faults[fault] += 1
        if fault == "slow":
            await asyncio.sleep(self.config.slow_s)
            return self._answer(method, kind, arg, query, body)
        if fault == "rate_limited":
            self._stats.throttled["fault"] += 1
            return self._too_many(self.config.retry_after_s)
        mutating = method in MUTATING
        applied = None
        if mutating and self._rng.random() < self.faults.after_change:
            self._stats.faults_after_change += 1
            applied = self._answer(method, kind, arg, query, body)
        if fault == "timeout":
            await asyncio.sleep(self.config.hang_s)
            if applied is not None or not mutating:
                return applied or self._answer(method, kind, arg, query, body)
            return _error(504, "90002", "Gateway timeout", "upstream did not answer")
        if fault == "reset":
            return None
        if fault == "html":
            return Reply(200, HTML_PAGE, "text/html; charset=utf-8")
        status = self._rng.choice(SERVER_ERRORS)
        return _error(status, "90000", HTTPStatus(status).phrase, "temporary failure")

    def _take_token(self) -> float | None:
        """None when the request fits the bucket, else the seconds until it would."""
        rate = self.config.rate_per_s
        if rate <= 0:
            return None
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * rate)
        self._refilled_at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        return (1.0 - self._tokens) / rate

    def _too_many(self, wait: float) -> Reply:
        headers = (
            ("Retry-After", _seconds(wait)),
            ("x-ratelimit-limit", _seconds(self._burst)),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", _seconds(wait)),
        )
        return _error(429, "10011", "Too many requests", "rate limit exceeded", headers=headers)

    def _answer(self, method: str, kind: str, arg: str, query: str, body: bytes) -> Reply:
        if kind == "assignments" and method == "POST":
            return self._assign(body, None)
        if kind == "assignment" and method in ("GET", "PUT", "DELETE"):
            if method == "GET":
                return self._show(arg)
            return self._assign(body, arg) if method == "PUT" else self._unassign(arg)
        if method == "GET" and kind == "campaign":
            return self._campaign(arg)
        if method == "GET" and kind == "brand":
            return _json(200, _brand(arg))
        if method == "GET" and kind == "phone_numbers":
            number = parse_qs(query).get("filter[phone_number]", [""])[0]
            return _json(200, _phone_numbers(number))
        return _error(404, "10005", "Resource not found", f"no route for {method} {kind}")

    # ---- assignment state
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
        return "FAILED_ASSIGNMENT" if number in self.config.fail_numbers else "ASSIGNED"

    def _record_reply(self, number: str, status: str) -> Reply:
        record = self._records[number]
        campaign = record.campaign_id
        payload = {"phoneNumber": number, "campaignId": campaign, "telnyxCampaignId": campaign,
                   "tcrCampaignId": _tcr_id(campaign), "brandId": "fake-brand",
                   "assignmentStatus": status, "createdAt": record.created_at,
                   "updatedAt": record.updated_at}  # fmt: skip
        if status == "FAILED_ASSIGNMENT":
            payload["failureReasons"] = "Number is not eligible for this campaign"
        return _json(200, payload)

    def _show(self, number: str) -> Reply:
        status = self._status(number, time.monotonic())
        if status is None:
            return _error(404, "10005", "Resource not found", f"{number} has no campaign")
        return self._record_reply(number, status)

    def _assign(self, body: bytes, path_number: str | None) -> Reply:
        """POST (``path_number`` None) creates; PUT replaces or creates."""
        try:
            request = orjson.loads(body)
            number = path_number or request["phoneNumber"]
            campaign = request["campaignId"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(400, "10015", "Bad request", "phoneNumber and campaignId are required")
        if not isinstance(number, str) or not isinstance(campaign, str):
            return _error(400, "10015", "Bad request", "phoneNumber and campaignId are strings")
        campaigns = self.config.campaigns
        if campaigns is not None and campaign not in campaigns:
            return _error(404, "10005", "Resource not found", f"campaign {campaign} not found")
        now = time.monotonic()
        status = self._status(number, now)
        if path_number is None and status not in (None, "FAILED_ASSIGNMENT"):
            held = self._records[number].campaign_id
            detail = f"{number} is already assigned to campaign {held}"
            return _error(400, "10016", "Phone number already assigned", detail)
        stamp = _now_text()
        previous = self._records.get(number)
        created = previous.created_at if previous is not None else stamp
        settles_at = now + self.config.settle_after_s
        self._records[number] = _Assignment(campaign, settles_at, created, stamp)
        return self._record_reply(number, self._status(number, now) or "PENDING_ASSIGNMENT")

    def _unassign(self, number: str) -> Reply:
        now = time.monotonic()
        status = self._status(number, now)
        if status is None:
            return _error(404, "10005", "Resource not found", f"{number} has no campaign")
        record = self._records[number]
        if not record.unassigning:
            record.unassigning = True
            record.settles_at = now + self.config.settle_after_s
            record.updated_at = _now_text()
        return self._record_reply(number, "PENDING_UNASSIGNMENT")

    def _campaign(self, campaign_id: str) -> Reply:
        campaigns = self.config.campaigns
        if campaigns is not None and campaign_id not in campaigns:
            return _error(404, "10005", "Resource not found", f"campaign {campaign_id} not found")
        status = "MNO_PROVISIONED" if campaigns is None else campaigns[campaign_id]
        tcr_id = _tcr_id(campaign_id)
        return _json(200, {"campaignId": campaign_id, "brandId": "fake-brand", "usecase": "MIXED",
                           "tcrCampaignId": tcr_id, "campaignStatus": status})  # fmt: skip


def _route_of(path: str) -> tuple[str, str]:
    """(path kind, its id) — the kind also names the request in the stats."""
    if path == ASSIGNMENTS:
        return "assignments", ""
    if path.startswith(ASSIGNMENTS + "/"):
        return "assignment", path[len(ASSIGNMENTS) + 1 :]
    for prefix, kind in (("/v2/10dlc/campaign/", "campaign"), ("/v2/10dlc/brand/", "brand")):
        if path.startswith(prefix):
            return kind, path[len(prefix) :]
    if path == "/v2/phone_numbers":
        return "phone_numbers", ""
    return "other", ""


def _brand(brand_id: str) -> dict[str, Any]:
    display_name = f"Brand {brand_id}"
    return {"brandId": brand_id, "displayName": display_name, "entityType": "PRIVATE_PROFIT",
            "identityStatus": "VERIFIED", "status": "OK", "assignedCampaignsCount": 1}  # fmt: skip


def _phone_numbers(number: str) -> dict[str, Any]:
    # every US number is on the account, with a messaging profile
    on_account = number.startswith("+1") and len(number) == 12 and number[1:].isdigit()
    record = {"id": number[1:], "record_type": "phone_number", "phone_number": number,
              "status": "active", "messaging_profile_id": "fake-messaging-profile"}  # fmt: skip
    records = [record] if on_account else []
    meta = {"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": len(records)}
    return {"data": records, "meta": meta}


class FakeHttpServer:
    """HTTP/1.1 with keep-alive over asyncio streams: just what httpx and the benchmarks send
    (Content-Length bodies, no chunked uploads)."""

    def __init__(self, core: FakeTelnyxCore) -> None:
        self.core = core
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, backlog=1024)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # hanging answers would otherwise keep the loop alive
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._one_exchange(reader, writer):
                pass
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away or sent something this server does not speak
        except asyncio.CancelledError:
            pass  # the server is stopping; ending quietly keeps shutdown free of tracebacks
        finally:
            self._connections.discard(task)
            writer.close()

    async def _one_exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Reads one request and answers it; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        auth, length, keep_alive = None, 0, version == "HTTP/1.1"
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "authorization":
                auth = value.strip()
            elif name == "content-length":
                length = int(value)
            elif name == "connection":
                keep_alive = value.strip().lower() != "close"
        body = await reader.readexactly(length) if length else b""
        reply = await self.core.handle(method, target, auth, body)
        if reply is None:
            _reset(writer)
            return False
        writer.write(_encode(reply, keep_alive))
        await writer.drain()
        return keep_alive


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drops the connection with a TCP RST, as a crashing proxy would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _encode(reply: Reply, keep_alive: bool) -> bytes:
    lines = [
        f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
        "Connection: keep-alive" if keep_alive else "Connection: close",
    ]
    lines.extend(f"{name}: {value}" for name, value in reply.headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body


class FakeTelnyx:
    """The fake on its own event loop in a background thread, for a ``with`` block."""

    def __init__(
        self,
        api_key: str = "KEY",
        *,
        rate_per_s: float = 0.0,
        burst: float | None = None,
        faults: FaultRates = FaultRates(),
        seed: int = 0,
        settle_after_s: float = 0.05,
        hang_s: float = 30.0,
        slow_s: float = 0.2,
        retry_after_s: float = 1.0,
        fail_numbers: Iterable[str] = (),
        campaigns: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = FakeConfig(
            api_key, rate_per_s, burst, faults, seed, settle_after_s, hang_s, slow_s,
            retry_after_s, frozenset(fail_numbers), campaigns,
        )  # fmt: skip
        self._core = FakeTelnyxCore(self.config)
        self._host, self._port = host, port
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-telnyx", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}/v2"

    @property
    def assignments(self) -> dict[str, tuple[str, str]]:
        """number → (campaignId, assignmentStatus), as the fake holds them now."""
        return self._on_loop(self._core.assignments)

    @property
    def stats(self) -> FakeStats:
        return self._on_loop(self._core.stats)

    @property
    def faults(self) -> FaultRates:
        return self._core.faults

    @faults.setter
    def faults(self, rates: FaultRates) -> None:
        self._core.faults = rates  # one attribute store: safe from another thread

    @property
    def rate_limit_violations(self) -> int:
        return self.stats.throttled["limit"]

    def _on_loop(self, read: Callable[[], T]) -> T:
        """Reads the state on the server's loop while it runs (the core is single-threaded)."""
        if self._loop is None or not self._thread.is_alive():
            return read()

        async def call() -> T:
            return read()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10) or self._failure is not None:
            raise RuntimeError("the fake Telnyx server did not start") from self._failure
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to __enter__, which is waiting for readiness
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        server = FakeHttpServer(self._core)
        self._port = await server.start(self._host, self._port)
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await server.stop()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=0)
    add("--key", default="KEY", help="the API key requests must carry")
    add("--rate", type=float, default=0.0, help="enforced requests/s per key (0: none)")
    add("--burst", type=float, default=None)
    add("--seed", type=int, default=0)
    add("--error-rate", type=float, default=0.0, help="500/502/503 answers")
    add("--throttle-rate", type=float, default=0.0, help="injected 429 answers")
    add("--timeout-rate", type=float, default=0.0, help="answers held back for --hang-s")
    add("--reset-rate", type=float, default=0.0, help="connections reset unanswered")
    add("--slow-rate", type=float, default=0.0, help="answers delayed by --slow-s")
    add("--html-rate", type=float, default=0.0, help="200 answers with an HTML page")
    add("--after-change", type=float, default=0.5, help="share of faults after the change")
    add("--settle-s", type=float, default=0.05)
    add("--hang-s", type=float, default=30.0)
    add("--slow-s", type=float, default=0.2)
    add("--retry-after-s", type=float, default=1.0)
    add("--fail-number", action="append", default=[], help="its assignments fail")
    return parser.parse_args(argv)


async def _serve_until_signalled(args: argparse.Namespace) -> None:
    faults = FaultRates(
        args.error_rate, args.throttle_rate, args.timeout_rate, args.reset_rate,
        args.slow_rate, args.html_rate, args.after_change,
    )  # fmt: skip
    config = FakeConfig(
        args.key, args.rate, args.burst, faults, args.seed, args.settle_s, args.hang_s,
        args.slow_s, args.retry_after_s, frozenset(args.fail_number),
    )  # fmt: skip
    server = FakeHttpServer(FakeTelnyxCore(config))
    port = await server.start(args.host, args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"http://{args.host}:{port}/v2", flush=True)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    with contextlib.suppress(ImportError):
        import uvloop  # a faster loop when installed; the fake is the same either way

        uvloop.install()
    asyncio.run(_serve_until_signalled(args))


if __name__ == "__main__":
    main()
