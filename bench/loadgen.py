"""A small, fast HTTP/1.1 keep-alive load generator (raw asyncio streams, one process)."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _client(
    host: str,
    port: int,
    key: str,
    campaigns: tuple[str, str],
    numbers: list[str],
    stop_at: float,
    result: LoadResult,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    turn = 0
    try:
        while time.perf_counter() < stop_at:
            # each client owns its numbers and alternates campaigns: every attach is a move
            number = numbers[turn % len(numbers)]
            campaign = campaigns[(turn // len(numbers)) % 2]
            turn += 1
            body = orjson.dumps({"campaign_id": campaign})
            request = (
                f"POST /v1/phone-numbers/{number}/campaign HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    except (OSError, asyncio.IncompleteReadError):
        result.errors += 1
    finally:
        writer.close()


ClientLoop = Callable[[list[str], float, LoadResult], Awaitable[None]]


async def drive(client: ClientLoop, per_client: list[list[str]], duration_s: float) -> LoadResult:
    """Runs one ``client`` loop per share of numbers until ``duration_s`` has passed."""
    result = LoadResult()
    stop_at = time.perf_counter() + duration_s
    await asyncio.gather(*(client(numbers, stop_at, result) for numbers in per_client))
    return result


def run_load(
    host: str,
    port: int,
    key: str,
    per_client: list[list[str]],
    campaigns: tuple[str, str],
    duration_s: float,
) -> LoadResult:
    """Entry point for one load process (picklable arguments, picklable result)."""
    client = partial(_client, host, port, key, campaigns)
    return run_loop(drive(client, per_client, duration_s))


def run_loop(main: Coroutine[Any, Any, LoadResult]) -> LoadResult:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
