"""numlink commands as real processes: environment, free ports, waiting until ready."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.app import TEST_SECRET_KEY

CLI = [sys.executable, "-c", "from app.cli.main import main; main()"]
# settings of this machine's environment that a test process must not inherit
UNSET = (
    "DATABASE_URL",
    "NUMLINK_DATABASE_URL",
    "NUMLINK_TEST_DATABASE_URL",
    "NUMLINK_API_KEY",
    "NUMLINK_SECRET_KEYS",
    "NUMLINK_DATA_DIR",
)


def numlink_env(url: str, **settings: str) -> dict[str, str]:
    """The environment of a numlink process on ``url``: the production shape (a database and
    the one secret key every process shares), plus ``settings``."""
    environment = {k: v for k, v in os.environ.items() if k not in UNSET}
    environment.update({"DATABASE_URL": url, "NUMLINK_SECRET_KEYS": TEST_SECRET_KEY, **settings})
    return environment


def start_numlink(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``numlink *args`` in the background; its output goes to ``log``."""
    with log.open("wb") as log_file:
        return subprocess.Popen([*CLI, *args], env=env, stdout=log_file, stderr=subprocess.STDOUT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(log: Path) -> str:
    return log.read_text()[-2000:]


async def wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"numlink did not start:\n{log_tail(log)}")
