"""``numlink bulk link|unlink`` run as a user would: the command in its own process against a
``numlink serve`` process (API and worker, sandbox provider) on a database of its own."""

import asyncio
import csv
import json
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine, create_sessionmaker
from tests.support.api import Api, World, data, us_number
from tests.support.committed import stop
from tests.support.database import DatabaseServer
from tests.support.processes import (
    CLI,
    UNSET,
    free_port,
    numlink_env,
    start_numlink,
    wait_ready,
)

SERVER_ENV = {
    "NUMLINK_HOST": "127.0.0.1",
    "NUMLINK_SANDBOX_DELAY_S": "0",
    "NUMLINK_CONFIRM_POLL_S": "0.05",
    "NUMLINK_CONFIRM_POLL_CAP_S": "0.2",
    "NUMLINK_RETRY_BASE_S": "0.05",
    "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
    "NUMLINK_KEY_CACHE_TTL_S": "0",
    "NUMLINK_LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    def summary(self) -> dict[str, Any]:
        assert self.returncode in (0, 1), self.stderr
        parsed = json.loads(self.stdout)
        assert isinstance(parsed, dict)
        return parsed


@dataclass
class Gateway:
    base_url: str
    engine: AsyncEngine
    world: World  # the org that runs the commands
    other: World  # another org

    def env(self, api_key: str | None = None) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in UNSET}
        environment["NUMLINK_URL"] = self.base_url
        environment["NUMLINK_API_KEY"] = api_key or self.world.test_key
        return environment

    async def bulk(self, *args: str | Path, api_key: str | None = None) -> Result:
        return await self.cli("bulk", *args, api_key=api_key)

    async def cli(self, *args: str | Path, api_key: str | None = None) -> Result:
        """``numlink ARGS…`` in a process of its own, with this gateway's address and key."""
        process = await asyncio.create_subprocess_exec(
            *CLI, *map(str, args),
            env=self.env(api_key),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return Result(process.returncode, stdout.decode(), stderr.decode())

    async def task_count(self, campaign: dict[str, Any]) -> int:
        async with self.engine.connect() as conn:
            count = await conn.execute(
                text("SELECT count(*) FROM bulk_tasks WHERE campaign_id = :c"),
                {"c": campaign["id"]},
            )
            return int(count.scalar_one())

    async def number(self, number_id: str, world: World | None = None) -> dict[str, Any]:
        world = world or self.world
        return dict(data(await world.api.get(f"/v1/phone-numbers/{number_id}", world.test_key)))


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    return start_numlink(["serve"], numlink_env(url, **SERVER_ENV, NUMLINK_PORT=str(port)), log)


@pytest.fixture(scope="module")
async def gateway(
    server: DatabaseServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    url = server.create_database()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    process = start_server(url, port, log)
    engine = create_engine(url, pool_size=2)
    try:
        await wait_ready(base_url, process, log)
        async with httpx.AsyncClient(base_url=base_url) as client:
            api, sessions = Api(client), create_sessionmaker(engine)
            world, other = await World.create(api, sessions), await World.create(api, sessions)
            yield Gateway(base_url, engine, world, other)
    finally:
        stop(process, signal.SIGTERM)
        await engine.dispose()


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as source:
        reader = csv.DictReader(source)
        assert reader.fieldnames == ["number", "phone_number_id", "outcome", "error_code", "error"]
        return list(reader)


async def registered(world: World, count: int) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(world.number() for _ in range(count))))


async def test_link_csv_run_twice_makes_one_task(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    numbers = await registered(gateway.world, 3)
    source = tmp_path / "numbers.csv"
    lines = [f"n{i}, {n['number']}\n" for i, n in enumerate(numbers)]
    source.write_text("label,Phone Number\n" + "".join(lines))

    # the second run finds the first one's task: a replay, or 409 IN_PROGRESS and then a replay
    args = ("link", source, "--campaign", campaign["id"], "--json")
    first, second = await asyncio.gather(
        gateway.bulk(*args), gateway.bulk(*args, "--output", tmp_path / "second.csv")
    )
    summary = first.summary()
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert second.summary()["task_ids"] == summary["task_ids"]
    (task_id,) = summary["task_ids"]
    # one run made the task; the bar is drawn only on a terminal, so the other says just that
    assert sorted([first.stderr, second.stderr]) == [
        "",
        f"resuming task {task_id}, sent by an earlier run\n",
    ]
    assert await gateway.task_count(campaign) == 1
    assert summary["counts"] == {
        "total": 3, "propagated": 3, "failed": 0, "rejected": 0, "pending": 0, "invalid": 0,
    }  # fmt: skip
    assert summary["output"] == str(tmp_path / "numbers.result.csv")
    rows = read_results(tmp_path / "numbers.result.csv")
    assert [(r["number"], r["phone_number_id"], r["outcome"]) for r in rows] == [
        (n["number"], n["id"], "propagated") for n in numbers
    ]
    assert read_results(tmp_path / "second.csv") == rows
    for number in numbers:
        linked = await gateway.number(number["id"])
        assert (linked["campaign_id"], linked["carrier_line_option_status"]) == (
            campaign["id"],
            "propagated",
        )


async def test_malformed_lines_send_nothing(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    (number,) = await registered(gateway.world, 1)
    malformed = tmp_path / "malformed.txt"
    malformed.write_text(f"# to link\n{number['number']}\n\n12345\n+1 201 555 0123\n+16135550123\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n\n")
    bad, nothing = await asyncio.gather(
        gateway.bulk("link", malformed, "--campaign", campaign["id"]),
        gateway.bulk("link", empty, "--campaign", campaign["id"]),
    )
    assert bad.returncode == 2
    assert bad.stderr.splitlines()[:3] == [
        "line 4: '12345': must be E.164, e.g. +14155552671",
        "line 5: '+1 201 555 0123': must be E.164, e.g. +14155552671",
        "line 6: '+16135550123': not a US number (region CA)",
    ]
    assert "nothing was sent" in bad.stderr
    assert nothing.returncode == 2 and "no valid numbers" in nothing.stderr
    assert await gateway.task_count(campaign) == 0
    assert not (tmp_path / "malformed.result.csv").exists()
    assert (await gateway.number(number["id"]))["campaign_id"] is None


async def test_skip_invalid_reports_every_line(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    mine = await registered(gateway.world, 2)
    (theirs,) = await registered(gateway.other, 1)
    unknown = us_number()
    source = tmp_path / "mixed.txt"
    lines = [mine[0]["number"], "not-a-number", theirs["number"], unknown, mine[0]["number"]]
    source.write_text("\n".join([*lines, mine[1]["number"]]) + "\n")
    output = tmp_path / "out.csv"
    result = await gateway.bulk(
        "link", source, "--campaign", campaign["id"], "--skip-invalid", "--output", output
    )
    assert result.returncode == 1, result.stderr
    assert "line 2: 'not-a-number'" in result.stderr
    assert result.stdout.startswith(
        "link: 6 numbers, 2 propagated, 0 failed, 3 rejected, 0 pending, 1 invalid"
    )
    rows = read_results(output)
    assert [(r["number"], r["outcome"], r["error_code"]) for r in rows] == [
        (mine[0]["number"], "propagated", ""),
        ("not-a-number", "invalid", "VALIDATION_FAILED"),
        (theirs["number"], "rejected", "NOT_FOUND"),
        (unknown, "rejected", "NOT_FOUND"),
        (mine[0]["number"], "rejected", "DUPLICATE_IN_REQUEST"),
        (mine[1]["number"], "propagated", ""),
    ]
    assert all(r["error"] for r in rows if r["outcome"] != "propagated")
    for number in mine:
        assert (await gateway.number(number["id"]))["campaign_id"] == campaign["id"]
    assert (await gateway.number(theirs["id"], gateway.other))["campaign_id"] is None


async def test_unlink_then_link_again(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    numbers = await registered(gateway.world, 2)
    source = tmp_path / "pair.csv"
    source.write_text("number\n" + "".join(f"{n['number']}\n" for n in numbers))
    args = (source, "--campaign", campaign["id"], "--json")
    linked = await gateway.bulk("link", *args)
    assert linked.returncode == 0, linked.stderr

    unlinked = await gateway.bulk("unlink", *args)
    assert unlinked.returncode == 0, unlinked.stderr
    assert unlinked.summary()["counts"]["propagated"] == 2
    assert [r["outcome"] for r in read_results(tmp_path / "pair.result.csv")] == [
        "propagated",
        "propagated",
    ]
    for number in numbers:
        detached = await gateway.number(number["id"])
        assert (detached["campaign_id"], detached["carrier_line_option_status"]) == (None, None)

    # the same link again is the earlier run's task, whose change the unlink has undone
    replayed = await gateway.bulk("link", *args)
    assert replayed.returncode == 1
    assert replayed.summary()["task_ids"] == linked.summary()["task_ids"]
    assert "resuming task" in replayed.stderr and "--again" in replayed.stderr
    rows = read_results(tmp_path / "pair.result.csv")
    assert [(r["outcome"], r["error_code"]) for r in rows] == [("failed", "SUPERSEDED")] * 2
    assert (await gateway.number(numbers[0]["id"]))["campaign_id"] is None

    again = await gateway.bulk("link", *args, "--again")
    assert again.returncode == 0, again.stderr
    assert again.summary()["task_ids"] != linked.summary()["task_ids"]
    for number in numbers:
        assert (await gateway.number(number["id"]))["campaign_id"] == campaign["id"]
    assert await gateway.task_count(campaign) == 3


async def test_no_wait_then_resume_in_chunks(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    numbers = await registered(gateway.world, 5)
    source = tmp_path / "five.txt"
    source.write_text("".join(f"{n['number']}\n" for n in numbers))
    args = ("link", source, "--campaign", campaign["id"], "--chunk-size", "2")

    submitted = await gateway.bulk(*args, "--no-wait")
    assert submitted.returncode == 0, submitted.stderr
    task_ids = submitted.stdout.split()
    assert len(task_ids) == 3 and all(uuid.UUID(i) for i in task_ids)
    assert not (tmp_path / "five.result.csv").exists()

    waited = await gateway.bulk(*args, "--json")
    summary = waited.summary()
    assert summary["task_ids"] == task_ids
    assert summary["counts"]["propagated"] == 5
    assert await gateway.task_count(campaign) == 3
    rows = read_results(tmp_path / "five.result.csv")
    assert [r["number"] for r in rows] == [n["number"] for n in numbers]


async def test_api_and_transport_errors_exit_3(gateway: Gateway, tmp_path: Path) -> None:
    campaign = await gateway.world.campaign()
    pending = await gateway.world.campaign(status="PENDING")
    (number,) = await registered(gateway.world, 1)
    source = tmp_path / "one.txt"
    source.write_text(f"{number['number']}\n")
    bogus_key = "am_test_bogus_0123456789"
    nowhere = f"http://127.0.0.1:{free_port()}"
    bad_key, missing, inactive, unreachable = await asyncio.gather(
        gateway.bulk("link", source, "--campaign", campaign["id"], api_key=bogus_key),
        gateway.bulk("link", source, "--campaign", str(uuid.uuid4())),
        gateway.bulk("link", source, "--campaign", pending["id"]),
        gateway.bulk("link", source, "--campaign", campaign["id"], "--base-url", nowhere),
    )
    assert bad_key.returncode == 3 and bad_key.stderr.startswith("error: UNAUTHORIZED: ")
    assert bogus_key not in bad_key.stdout + bad_key.stderr
    assert missing.returncode == 3 and missing.stderr.startswith("error: NOT_FOUND: ")
    assert inactive.returncode == 3 and inactive.stderr.startswith("error: CAMPAIGN_NOT_ACTIVE: ")
    assert unreachable.returncode == 3 and "cannot reach" in unreachable.stderr
    for result in (bad_key, missing, inactive, unreachable):
        assert "Traceback" not in result.stderr
    assert await gateway.task_count(campaign) == 0
