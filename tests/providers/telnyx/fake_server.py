"""A fault-injecting fake of the Telnyx 10DLC API (the part ``TelnyxProvider`` calls).

Served by the lean keep-alive server of ``fake_http`` (fast enough for benchmarks), with the
account's state and spec-shaped answers in ``fake_account``. In front of those, it enforces
a token-bucket rate limit per API key and, at configurable rates, answers with 5xx, 429,
hangs, connection resets, slow answers or a 200 HTML page.
Faults on mutating requests land before or after the state change, as a real provider's do.

In-process: ``with FakeTelnyx(api_key="KEY", faults=FaultRates(server_error=0.1)) as fake:``
then ``TelnyxProvider(client, "KEY", fake.base_url)``. As a process:
``python -m tests.providers.telnyx.fake_server --port 0 --rate 50 --error-rate 0.1``, which
prints its base URL (ending in /v2) as the first stdout line, serves ``GET /_fake/state`` and
stops on SIGTERM.
"""

import argparse
import asyncio
import contextlib
import copy
import dataclasses
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, unquote

from tests.providers.fake_http import FakeHttpServer, Reply, error_reply, json_reply
from tests.providers.telnyx.fake_account import TelnyxAccount, load_numbers, route_of

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
    rate_limited: float = 0.0  # 429 with Retry-After, not from the enforced limit
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
    # messaging profile id → its numbers, for assignment by profile
    profiles: Mapping[str, tuple[str, ...]] | None = None


@dataclass(slots=True)
class FakeStats:
    requests: Counter[str] = field(default_factory=Counter)  # "POST assignments", ...
    faults: Counter[str] = field(default_factory=Counter)
    faults_after_change: int = 0
    throttled: Counter[str] = field(default_factory=Counter)  # 429s: "limit" | "fault"
    unauthorized: int = 0


def _page_of(query: str) -> int:
    """The page a listing asks for (``page[number]`` or ``page``), 1 when not given."""
    for name in ("page[number]", "page"):
        values = parse_qs(query).get(name)
        if values and values[0].isdigit():
            return int(values[0])
    return 1


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


class FakeTelnyxCore:
    """Everything but the socket: auth, rate limit and fault choice in front of the account.
    Not thread-safe: everything, snapshots included, runs on the server's event loop."""

    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self._auth = f"Bearer {config.api_key}"
        self.faults = config.faults  # replaceable while serving, e.g. to end a chaos phase
        self._rng = random.Random(config.seed)
        self.account = TelnyxAccount(
            config.settle_after_s, config.fail_numbers, config.campaigns, config.profiles
        )
        self._stats = FakeStats()
        self._burst = config.burst if config.burst is not None else max(1.0, config.rate_per_s)
        self._tokens = self._burst
        self._refilled_at = time.monotonic()
        # (route kind, page) → a fault its next request gets, once (see ``fail_page``)
        self._scripted: dict[tuple[str, int], str] = {}

    def fail_page(self, kind: str, page: int, fault: str) -> None:
        """The next request of a listing (``phone_numbers``, ``phone_numbers_messaging``,
        ``assignments``) for ``page`` answers with ``fault`` (a FaultRates field name)."""
        self._scripted[(kind, page)] = fault

    # ---- views for the test or parent process
    def stats(self) -> FakeStats:
        return copy.deepcopy(self._stats)

    def assignments(self) -> dict[str, tuple[str, str]]:
        return self.account.assignments()

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
            return json_reply(200, self.snapshot())
        kind, arg = route_of(path)
        self._stats.requests[f"{method} {kind}"] += 1
        if auth != self._auth:
            self._stats.unauthorized += 1
            return error_reply(401, "10009", "Authentication failed", "missing or wrong API key")
        wait = self._take_token()
        if wait is not None:
            self._stats.throttled["limit"] += 1
            return self._with_limit_headers(self._too_many(wait))
        reply = await self._answer(method, kind, arg, query, body)
        return None if reply is None else self._with_limit_headers(reply)

    async def _answer(
        self, method: str, kind: str, arg: str, query: str, body: bytes
    ) -> Reply | None:
        fault = self._scripted.pop((kind, _page_of(query)), None) or self.faults.pick(
            self._rng.random()
        )
        if fault is None:
            return self.account.answer(method, kind, arg, query, body)
        self._stats.faults[fault] += 1
        if fault == "slow":
            await asyncio.sleep(self.config.slow_s)
            return self.account.answer(method, kind, arg, query, body)
        if fault == "rate_limited":
            self._stats.throttled["fault"] += 1
            return self._too_many(self.config.retry_after_s)
        mutating = method in MUTATING
        applied = None
        if mutating and self._rng.random() < self.faults.after_change:
            self._stats.faults_after_change += 1
            applied = self.account.answer(method, kind, arg, query, body)
        if fault == "timeout":
            await asyncio.sleep(self.config.hang_s)
            if applied is not None or not mutating:
                return applied or self.account.answer(method, kind, arg, query, body)
            return error_reply(504, "90002", "Gateway timeout", "upstream did not answer")
        if fault == "reset":
            return None
        if fault == "html":
            return Reply(200, HTML_PAGE, "text/html; charset=utf-8")
        status = self._rng.choice(SERVER_ERRORS)
        return error_reply(status, "90000", HTTPStatus(status).phrase, "temporary failure")

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
        headers = (("Retry-After", _seconds(wait)),)
        detail = "rate limit exceeded"
        return error_reply(429, "10011", "Too many requests", detail, headers=headers)

    def _with_limit_headers(self, reply: Reply) -> Reply:
        """Every answer tells the key's bucket as it is (an injected 429 too: the bucket was
        not what refused it): its size, whole tokens left, seconds until the next one."""
        rate = self.config.rate_per_s
        if rate <= 0:
            return reply
        headers = (
            ("x-ratelimit-limit", _seconds(self._burst)),
            ("x-ratelimit-remaining", str(int(self._tokens))),
            ("x-ratelimit-reset", _seconds((1.0 - self._tokens % 1.0) / rate)),
        )
        return dataclasses.replace(reply, headers=reply.headers + headers)


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
        profiles: Mapping[str, Iterable[str]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = FakeConfig(
            api_key, rate_per_s, burst, faults, seed, settle_after_s, hang_s, slow_s,
            retry_after_s, frozenset(fail_numbers), campaigns,
            {p: tuple(numbers) for p, numbers in (profiles or {}).items()},
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

    def hold(self, numbers: Iterable[str], profile: str | None = None) -> None:
        """Put numbers on the account (on the messaging profile, if given)."""
        listed = list(numbers)
        self._on_loop(lambda: self._core.account.inventory.hold(listed, profile))

    def release(self, numbers: Iterable[str]) -> None:
        listed = list(numbers)
        self._on_loop(lambda: self._core.account.inventory.release(listed))

    def set_assignment(self, number: str, campaign: str | None) -> None:
        self._on_loop(lambda: self._core.account.set_assignment(number, campaign))

    def fail_page(self, kind: str, page: int, fault: str) -> None:
        self._on_loop(lambda: self._core.fail_page(kind, page, fault))

    def registered(self) -> dict[str, list[dict[str, Any]]]:
        """The brands and campaigns registered at the fake, as Telnyx would show them now."""
        registry = self._core.account.registration

        def read() -> dict[str, list[dict[str, Any]]]:
            brands = [registry.brands.record(b) for b in registry.brands.brands.values()]
            campaigns = [registry.record(c) for c in registry.campaigns.values()]
            return {"brands": brands, "campaigns": campaigns}

        return self._on_loop(read)

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
    add(
        "--numbers-file",
        default=None,
        help="the account's numbers, one 'number[,campaign]' a line (with a campaign: assigned)",
    )
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
    core = FakeTelnyxCore(config)
    if args.numbers_file:
        load_numbers(core.account, args.numbers_file)
    server = FakeHttpServer(core)
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
