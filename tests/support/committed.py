"""A committed database with a running app, for tests of races, workers and crashes."""

import asyncio
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_sessionmaker
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api, World
from tests.support.app import client_for, running_app
from tests.support.processes import CLI, numlink_env


@dataclass
class CommittedWorld:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    api: Api
    world: World
    app: FastAPI

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())


@asynccontextmanager
async def committed_world(
    make_db: Callable[[], str],
    settings: Settings,
    pool_size: int = 20,
    catalog: ProviderCatalog | None = None,
) -> AsyncIterator[CommittedWorld]:
    url = make_db()
    running = running_app(url, settings, pool_size=pool_size, catalog=catalog)
    async with running as app, client_for(app) as client:
        api = Api(client)
        sessions = create_sessionmaker(app.state.engine)
        world = await World.create(api, sessions)
        yield CommittedWorld(url, app.state.engine, sessions, api, world, app)


def start_worker(
    url: str, env: Mapping[str, str], log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """A real ``numlink worker`` process on ``url`` (the test secret key unless ``env`` gives
    one); its JSON log goes to ``log``."""
    environment = numlink_env(url, **{"NUMLINK_LOG_LEVEL": "WARNING", **env})
    return subprocess.Popen(
        [*CLI, "worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log if log is not None else subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


async def wait_until(
    check: Callable[[], Any], *, timeout_s: float, interval_s: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


def new_token() -> str:
    return uuid.uuid4().hex
