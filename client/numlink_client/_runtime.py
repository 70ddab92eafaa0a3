"""The two thin halves that do I/O: a sync and an async runner perform the steps of a flow
(``_flow``), and pagers walk cursor lists. A resource is written once, generic in the mode;
the ``endpoint`` and ``paginated`` descriptors make each of its methods return a value on the
sync client and a coroutine (or an async iterator) on the async one, with the same types."""

import time
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterator
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import httpx

from numlink_client._flow import Listing, Operation, Options, Reply, Send, Step
from numlink_client.models.base import ApiObject, Page

T = TypeVar("T")
P = ParamSpec("P")
M = TypeVar("M", bound=ApiObject)


class Sync:
    """Mode of a resource on ``Numlink``."""


class Async:
    """Mode of a resource on ``AsyncNumlink``."""


Mode = TypeVar("Mode", Sync, Async)


def _request_args(send: Send, timeout: httpx.Timeout) -> dict[str, Any]:
    return {
        "method": send.method,
        "url": send.path,
        "params": send.params,
        "json": send.json,
        "headers": send.headers,
        "timeout": timeout,
    }


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


def _advance(flow: Generator[Step, Reply, T], reply: Reply) -> Step | Done[T]:
    """The flow's next step, given the reply to its last one, or its result."""
    try:
        return flow.send(reply)
    except StopIteration as finished:
        return Done(finished.value)


class SyncRunner:
    def __init__(self, http: httpx.Client, options: Options, timeout: httpx.Timeout) -> None:
        self.http, self.options, self.timeout = http, options, timeout

    def run(self, operation: Operation[T]) -> T:
        flow = operation.flow(self.options)
        step = _advance(flow, None)
        while not isinstance(step, Done):
            step = _advance(flow, self._perform(step))
        return step.value

    def _perform(self, step: Step) -> Reply:
        if not isinstance(step, Send):
            time.sleep(step.seconds)
            return None
        try:
            return self.http.request(**_request_args(step, self.timeout))
        except httpx.TransportError as error:
            return error

    def pages(self, listing: Listing[M]) -> Iterator[Page[M]]:
        cursor: str | None = None
        while True:
            page = self.run(listing.page(cursor))
            yield page
            cursor = page.meta.next_cursor
            if not cursor:
                return


class AsyncRunner:
    def __init__(self, http: httpx.AsyncClient, options: Options, timeout: httpx.Timeout) -> None:
        self.http, self.options, self.timeout = http, options, timeout

    async def run(self, operation: Operation[T]) -> T:
        flow = operation.flow(self.options)
        step = _advance(flow, None)
        while not isinstance(step, Done):
            step = _advance(flow, await self._perform(step))
        return step.value

    async def _perform(self, step: Step) -> Reply:
        if not isinstance(step, Send):
            import asyncio  # here: asyncio costs a sync client's import for nothing

            await asyncio.sleep(step.seconds)
            return None
        try:
            return await self.http.request(**_request_args(step, self.timeout))
        except httpx.TransportError as error:
            return error

    async def pages(self, listing: Listing[M]) -> AsyncIterator[Page[M]]:
        cursor: str | None = None
        while True:
            page = await self.run(listing.page(cursor))
            yield page
            cursor = page.meta.next_cursor
            if not cursor:
                return


Runner = SyncRunner | AsyncRunner


class Resource(Generic[Mode]):
    def __init__(self, runner: Runner) -> None:
        self._runner = runner


class Pager(Generic[M]):
    """Every item of a cursor list: ``for item in pager`` fetches page after page as needed;
    ``pages()`` gives the pages (with ``meta``)."""

    def __init__(self, runner: SyncRunner, listing: Listing[M]) -> None:
        self._runner, self._listing = runner, listing

    def __iter__(self) -> Iterator[M]:
        for page in self.pages():
            yield from page.data

    def pages(self) -> Iterator[Page[M]]:
        return self._runner.pages(self._listing)

    def first_page(self) -> Page[M]:
        return next(self.pages())


class AsyncPager(Generic[M]):
    """Every item of a cursor list: ``async for item in pager``; ``pages()`` gives the
    pages (with ``meta``)."""

    def __init__(self, runner: AsyncRunner, listing: Listing[M]) -> None:
        self._runner, self._listing = runner, listing

    async def __aiter__(self) -> AsyncIterator[M]:
        async for page in self.pages():
            for item in page.data:
                yield item

    def pages(self) -> AsyncIterator[Page[M]]:
        return self._runner.pages(self._listing)

    async def first_page(self) -> Page[M]:
        return await self._runner.run(self._listing.page(None))


def _named(wrapper: Callable[..., Any], build: Callable[..., Any]) -> Callable[..., Any]:
    wrapper.__name__, wrapper.__qualname__ = build.__name__, build.__qualname__
    wrapper.__doc__ = build.__doc__
    return wrapper


class endpoint(Generic[P, T]):
    """A resource method: builds an operation, which the client's runner performs."""

    def __init__(self, build: Callable[Concatenate[Any, P], Operation[T]]) -> None:
        self.build = build

    @overload
    def __get__(self, resource: None, owner: type) -> "endpoint[P, T]": ...
    @overload
    def __get__(self, resource: Resource[Sync], owner: type) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, resource: Resource[Async], owner: type
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, resource: Any, owner: type) -> Any:
        if resource is None:
            return self
        build, run = self.build, resource._runner.run

        def method(*args: Any, **kwargs: Any) -> Any:
            return run(build(resource, *args, **kwargs))

        return _named(method, build)


class paginated(Generic[P, M]):
    """A resource method listing a cursor list: a ``Pager`` on the sync client, an
    ``AsyncPager`` on the async one."""

    def __init__(self, build: Callable[Concatenate[Any, P], Listing[M]]) -> None:
        self.build = build

    @overload
    def __get__(self, resource: None, owner: type) -> "paginated[P, M]": ...
    @overload
    def __get__(self, resource: Resource[Sync], owner: type) -> Callable[P, Pager[M]]: ...
    @overload
    def __get__(self, resource: Resource[Async], owner: type) -> Callable[P, AsyncPager[M]]: ...
    def __get__(self, resource: Any, owner: type) -> Any:
        if resource is None:
            return self
        build, runner = self.build, resource._runner
        pager = AsyncPager if isinstance(runner, AsyncRunner) else Pager

        def method(*args: Any, **kwargs: Any) -> Any:
            return pager(runner, build(resource, *args, **kwargs))

        return _named(method, build)
