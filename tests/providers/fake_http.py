"""A minimal asyncio HTTP/1.1 server with keep-alive for the fake providers: just what httpx,
Prism's proxy and the benchmarks send (Content-Length bodies, no chunked uploads)."""

import asyncio
import socket
import struct
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

import orjson


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, orjson.dumps(payload), headers=headers)


def error_reply(status: int, code: str, title: str, detail: str, **kw: Any) -> Reply:
    """An error in the ``{"errors": [{code, title, detail}]}`` shape Telnyx uses."""
    body = {"errors": [{"code": code, "title": title, "detail": detail}]}
    return json_reply(status, body, **kw)


class Handler(Protocol):
    async def handle(self, method: str, target: str, auth: str | None, body: bytes) -> Reply | None:
        """The answer to one request; None means reset the connection without one."""


class FakeHttpServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
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
        reply = await self.handler.handle(method, target, auth, body)
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
        f"Content-Length: {len(reply.body)}",
        "Connection: keep-alive" if keep_alive else "Connection: close",
    ]
    if reply.content_type:  # an empty answer (204) has none
        lines.insert(1, f"Content-Type: {reply.content_type}")
    lines.extend(f"{name}: {value}" for name, value in reply.headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body
