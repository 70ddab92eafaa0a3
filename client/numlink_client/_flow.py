"""What a call does, written once for the sync and the async client, without doing any I/O.

An operation is a generator (a *flow*) that yields steps, ``Send`` (an HTTP request) and
``Sleep``, and gets back the response (or the transport error) of each ``Send``; its return
value is the call's result. The runners in ``_runtime`` perform the steps, with httpx's sync or
async client and ``time.sleep`` or ``asyncio.sleep``. So retries, the idempotency key, parsing
envelopes, paging and waiting exist once, and the two clients differ only in how they wait.
"""

import time
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import httpx
from pydantic import ValidationError

from numlink_client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    UnexpectedResponseError,
    WaitTimeoutError,
    api_error,
)
from numlink_client.models.base import ApiObject, ListMeta, Page, RequestBody, ResponseInfo

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
M = TypeVar("M", bound=ApiObject)
B = TypeVar("B", bound=RequestBody)


@dataclass(frozen=True)
class Send:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Send | Sleep
# what a runner sends back: the response or transport error of a Send, None after a Sleep
Reply = httpx.Response | httpx.TransportError | None
Flow = Generator[Step, Reply, T]


@dataclass(frozen=True)
class Options:
    """How persistent a client is. A retry waits ``backoff_s * 2**n`` (capped, with jitter),
    or what ``Retry-After`` says on a 429."""

    max_retries: int = 3
    backoff_s: float = 0.5
    backoff_cap_s: float = 8.0
    retry_after_cap_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        import random  # imported when first needed: importing the client stays cheap

        delay: float = min(self.backoff_cap_s, self.backoff_s * 2.0**attempt)
        return delay * random.uniform(0.5, 1.0)


class Operation(Protocol[T_co]):
    def flow(self, options: Options) -> Generator[Step, Reply, T_co]: ...


def new_idempotency_key() -> str:
    return f"nlc_{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API request: sent, retried when that is safe, its envelope read into ``T``."""

    method: str
    path: str
    parse: Callable[[dict[str, Any], ResponseInfo], T]
    params: dict[str, Any] | None = None
    body: RequestBody | None = None
    idempotency_key: str | None = None

    def flow(self, options: Options) -> Flow[T]:
        headers: dict[str, str] = {}
        if self.method != "GET":
            # every write carries a key, the same on each retry: a retry never applies twice
            headers["Idempotency-Key"] = self.idempotency_key or new_idempotency_key()
        json = None if self.body is None else self.body.to_json()
        send = Send(self.method, self.path, self.params, json, headers)
        attempt = 0
        while True:
            reply = yield send
            failure: Exception
            retry_in: float | None
            if isinstance(reply, httpx.TransportError):
                failure = _transport_failure(reply, send)
                retry_in = options.backoff(attempt)
            else:
                assert reply is not None
                outcome = _read(reply, self.parse)
                if not isinstance(outcome, Exception):
                    return outcome
                failure, retry_in = outcome, _retry_delay(outcome, attempt, options)
            if retry_in is None or attempt >= options.max_retries:
                raise failure
            attempt += 1
            yield Sleep(retry_in)


def _transport_failure(error: httpx.TransportError, send: Send) -> APIConnectionError:
    kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    reason = str(error) or type(error).__name__
    failure = kind(f"cannot reach the gateway ({send.method} {send.path}): {reason}")
    failure.__cause__ = error
    return failure


def _retry_delay(failure: Exception, attempt: int, options: Options) -> float | None:
    """How long to wait before retrying, or None when retrying cannot help."""
    status = getattr(failure, "status_code", 0)
    if isinstance(failure, APIError) and failure.retry_after is not None and status == 429:
        return min(options.retry_after_cap_s, failure.retry_after)
    in_progress = isinstance(failure, APIError) and failure.code == "IDEMPOTENCY_IN_PROGRESS"
    if status == 429 or (status >= 500 and status != 501) or in_progress:
        return options.backoff(attempt)
    return None


def _read(
    response: httpx.Response, parse: Callable[[dict[str, Any], ResponseInfo], T]
) -> T | Exception:
    try:
        envelope = response.json()
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("success"), bool):
        return UnexpectedResponseError(
            f"HTTP {response.status_code} from {response.request.url.copy_with(query=None)} "
            "is not a numlink API response (check the base URL)",
            response.status_code,
        )
    if envelope["success"]:
        info = ResponseInfo(
            response.status_code,
            response.headers.get("x-request-id"),
            response.headers.get("idempotent-replayed") == "true",
        )
        try:
            return parse(envelope, info)
        except (ValidationError, KeyError, TypeError) as mismatch:
            return UnexpectedResponseError(
                f"HTTP {response.status_code}: the answer does not match this client's models "
                f"({mismatch})",
                response.status_code,
            )
    error = envelope.get("error")
    retry_after = _retry_after_s(response.headers)
    return api_error(response.status_code, error if isinstance(error, dict) else {}, retry_after)


def _retry_after_s(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        import email.utils  # an HTTP date instead of seconds: rare

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def one(model: type[M]) -> Callable[[dict[str, Any], ResponseInfo], M]:
    def parse(envelope: dict[str, Any], info: ResponseInfo) -> M:
        parsed = model.model_validate(envelope["data"])
        parsed._response = info
        return parsed

    return parse


def page_of(model: type[M]) -> Callable[[dict[str, Any], ResponseInfo], Page[M]]:
    def parse(envelope: dict[str, Any], _: ResponseInfo) -> Page[M]:
        meta = ListMeta.model_validate(envelope.get("meta") or {"total": 0, "limit": 0})
        return Page([model.model_validate(item) for item in envelope["data"]], meta)

    return parse


@dataclass(frozen=True)
class Listing(Generic[M]):
    """A cursor list with its filters; the runners page through it."""

    path: str
    model: type[M]
    params: Mapping[str, Any]

    def page(self, cursor: str | None) -> Call[Page[M]]:
        params = {k: _query_value(v) for k, v in self.params.items() if v is not None}
        if cursor:
            params["cursor"] = cursor
        return Call("GET", self.path, page_of(self.model), params or None)


def _query_value(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


@dataclass(frozen=True)
class Poll(Generic[T]):
    """Reads an object until ``finished`` says so, calling ``on_progress`` with each state;
    the interval grows from a quarter second to ``interval_s``."""

    read: Call[T]
    finished: Callable[[T], bool]
    timeout_s: float
    interval_s: float = 2.0
    on_progress: Callable[[T], object] | None = None
    what: str = "object"

    def flow(self, options: Options) -> Flow[T]:
        deadline = time.monotonic() + self.timeout_s
        interval = min(0.25, self.interval_s)
        while True:
            state = yield from self.read.flow(options)
            if self.on_progress is not None:
                self.on_progress(state)
            if self.finished(state):
                return state
            left = deadline - time.monotonic()
            if left <= 0:
                raise WaitTimeoutError(
                    f"{self.what} not finished after {self.timeout_s:g} s; it goes on", state
                )
            yield Sleep(min(interval, left))
            interval = min(self.interval_s, interval * 1.5)


def body(model: type[B], **fields: Any) -> B:
    """A request body from keyword arguments, those left at None not sent."""
    return model(**{name: value for name, value in fields.items() if value is not None})
