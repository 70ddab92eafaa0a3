"""``Numlink`` and ``AsyncNumlink``: the settings, the httpx client, and the resources."""

import os
from dataclasses import replace
from types import TracebackType
from typing import Generic, Self, TypeVar

import httpx

from numlink_client import __version__
from numlink_client._flow import Options
from numlink_client._runtime import Async, AsyncRunner, Mode, Runner, Sync, SyncRunner
from numlink_client.errors import NumlinkError
from numlink_client.resources.audits import Audits
from numlink_client.resources.brands import Brands
from numlink_client.resources.bulk_tasks import BulkTasks
from numlink_client.resources.campaigns import Campaigns
from numlink_client.resources.events import Events
from numlink_client.resources.phone_numbers import PhoneNumbers
from numlink_client.resources.provider_accounts import ProviderAccounts
from numlink_client.resources.test_helpers import TestHelpers
from numlink_client.resources.webhook_endpoints import WebhookEndpoints

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_RETRIES = 3


def _timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


def _http(api_key: str | None, base_url: str | None, given: H | None, make: type[H]) -> H:
    """The httpx client: ``given`` (its transport, limits, hooks kept) or a new one."""
    key = api_key or os.environ.get("NUMLINK_API_KEY")
    if not key:
        raise NumlinkError("no API key: pass api_key= or set NUMLINK_API_KEY")
    url = (base_url or os.environ.get("NUMLINK_URL") or DEFAULT_BASE_URL).rstrip("/")
    headers = {
        "Authorization": f"Bearer {key}",
        "User-Agent": f"numlink-client/{__version__} httpx/{httpx.__version__}",
    }
    if given is None:
        return make(base_url=url, headers=headers)
    given.headers.update(headers)
    if base_url or not str(given.base_url):
        given.base_url = httpx.URL(url)
    return given


class _Client(Generic[Mode]):
    """The resources, on either runner."""

    phone_numbers: PhoneNumbers[Mode]
    brands: Brands[Mode]
    campaigns: Campaigns[Mode]
    bulk_tasks: BulkTasks[Mode]
    audits: Audits[Mode]
    events: Events[Mode]
    webhook_endpoints: WebhookEndpoints[Mode]
    provider_accounts: ProviderAccounts[Mode]
    test_helpers: TestHelpers[Mode]

    def _mount(self, runner: Runner) -> None:
        self._runner = runner
        self.phone_numbers = PhoneNumbers(runner)
        self.brands = Brands(runner)
        self.campaigns = Campaigns(runner)
        self.bulk_tasks = BulkTasks(runner)
        self.audits = Audits(runner)
        self.events = Events(runner)
        self.webhook_endpoints = WebhookEndpoints(runner)
        self.provider_accounts = ProviderAccounts(runner)
        self.test_helpers = TestHelpers(runner)

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """A client like this one (same connections) with other limits, e.g.
        ``client.with_options(timeout=300).bulk_tasks.attach(...)``."""
        runner = self._runner
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        options = (
            runner.options
            if max_retries is None
            else replace(runner.options, max_retries=max_retries)
        )
        limit = runner.timeout if timeout is None else _timeout(timeout)
        copy._mount(type(runner)(runner.http, options, limit))  # type: ignore[arg-type]
        return copy


class Numlink(_Client[Sync]):
    """The numlink API, blocking.

    ``api_key`` defaults to ``$NUMLINK_API_KEY``, ``base_url`` to ``$NUMLINK_URL`` or
    ``http://127.0.0.1:8000``. ``timeout`` (seconds, or an ``httpx.Timeout``) bounds each
    attempt; ``max_retries`` is how often a call is retried after a connection error, a
    timeout, 429 or 5xx (writes carry an Idempotency-Key, the same on every retry).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        http = _http(api_key, base_url, http_client, httpx.Client)
        self._mount(SyncRunner(http, Options(max_retries=max_retries), _timeout(timeout)))

    def close(self) -> None:
        self._runner.http.close()  # type: ignore[union-attr]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncNumlink(_Client[Async]):
    """The numlink API for asyncio: the same resources and arguments as ``Numlink``;
    methods are awaited, lists iterated with ``async for``."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        http = _http(api_key, base_url, http_client, httpx.AsyncClient)
        self._mount(AsyncRunner(http, Options(max_retries=max_retries), _timeout(timeout)))

    async def close(self) -> None:
        await self._runner.http.aclose()  # type: ignore[union-attr]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
