"""No duplicate and no lost registration: a real API process SIGKILLed between the provider's
answer and the commit; the retry (or the registration job) adopts what the provider holds,
which holds exactly one. With committed data, also what a provider outage leaves behind and
Idempotency-Key on registration."""

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.jobs.context import JobContext
from app.jobs.registration_recovery import RegistrationRecoveryJob
from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.support.api import data, error_code
from tests.support.app import TEST_SECRET_KEY, test_catalog, test_settings
from tests.support.committed import CommittedWorld, committed_world, stop, wait_until
from tests.support.live import put_account
from tests.support.registration import brand_body, campaign_body, run_registration_jobs

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 1.0  # how long the dead request's registration stays held
SETTINGS = test_settings(idempotency_stale_s=LEASE_S, registration_lease_s=LEASE_S)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def crashing_api(
    url: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "NUMLINK_TEST_DATABASE_URL"}
    environment.update(
        {
            "DATABASE_URL": url,
            "NUMLINK_SECRET_KEYS": TEST_SECRET_KEY,
            "NUMLINK_SANDBOX_DELAY_S": "0",
            "NUMLINK_REGISTRATION_LEASE_S": str(LEASE_S),
            "NUMLINK_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crashing_api", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        stop(process)


async def post_until_killed(
    process: subprocess.Popen[bytes], base: str, path: str, key: str, body: object
) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{base}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await wait_until(up, timeout_s=30)
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"crash{path}"}
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            response = await client.post(f"{base}{path}", json=body, headers=headers)
        except httpx.TransportError:
            response = None
    assert response is None, "the request was answered: the process did not crash"
    assert process.wait(timeout=15) == -9  # SIGKILL


async def counts(cw: CommittedWorld, kind: str) -> tuple[int, int, int]:
    """(objects the sandbox holds, numlink's rows, registrations in flight) of ``kind``."""
    return (
        int(await cw.scalar("SELECT count(*) FROM sandbox_objects WHERE kind = :k", k=kind)),
        int(await cw.scalar(f"SELECT count(*) FROM {kind}s")),
        int(await cw.scalar("SELECT count(*) FROM registration_intents WHERE kind = :k", k=kind)),
    )


async def test_a_crash_after_the_provider_answered_loses_nothing_and_duplicates_nothing(
    fresh_db: Callable[[], str],
) -> None:
    catalog = test_catalog()
    async with committed_world(fresh_db, SETTINGS, catalog=catalog) as cw:
        key, api = cw.world.test_key, cw.api
        with crashing_api(cw.url) as (process, base):
            await post_until_killed(process, base, "/v1/brands", key, brand_body())
        assert await counts(cw, "brand") == (1, 0, 1)  # at the provider; not recorded

        # the retry, same Idempotency-Key, once the dead request's hold lapsed
        await asyncio.sleep(LEASE_S + 0.2)
        headers = {"Idempotency-Key": "crash/v1/brands"}
        brand = data(await api.post("/v1/brands", key, brand_body(), headers=headers), 201)
        held = await cw.scalar("SELECT ref FROM sandbox_objects WHERE kind = 'brand'")
        assert brand["provider_brand_id"] == held
        assert await counts(cw, "brand") == (1, 1, 0)

        # a campaign, this time finished by the registration job without any retry
        body = campaign_body(brand["id"])
        with crashing_api(cw.url) as (process, base):
            await post_until_killed(process, base, "/v1/campaigns", key, body)
        assert await counts(cw, "campaign") == (1, 0, 1)
        await asyncio.sleep(LEASE_S + 0.2)
        assert await run_registration_jobs(cw.sessions, SETTINGS, catalog) == 1
        assert await counts(cw, "campaign") == (1, 1, 0)
        adopted = data(await api.get("/v1/campaigns", key))
        held = await cw.scalar("SELECT ref FROM sandbox_objects WHERE kind = 'campaign'")
        assert [c["provider_campaign_id"] for c in adopted] == [held]
        # asking again for the same campaign answers with it
        again = data(await api.post("/v1/campaigns", key, body), 200)
        assert again["id"] == adopted[0]["id"]
        assert await counts(cw, "campaign") == (1, 1, 0)


async def numlink_counts(cw: CommittedWorld, kind: str) -> tuple[int, int]:
    """(numlink's rows, registrations in flight) of ``kind``."""
    rows = await cw.scalar(f"SELECT count(*) FROM {kind}s")
    held = await cw.scalar("SELECT count(*) FROM registration_intents WHERE kind = :k", k=kind)
    return int(rows), int(held)


async def test_a_crash_after_telnyx_answered_loses_nothing_and_duplicates_nothing(
    fresh_db: Callable[[], str],
) -> None:
    """The same crash against the fake Telnyx, in live mode: Telnyx holds exactly one brand
    and one campaign, which numlink finds again (by the reference in the brand's webhook URL,
    and the campaign's ``referenceId``)."""
    with FakeTelnyx("KEY-crash-0001", settle_after_s=0.0) as fake:
        catalog = test_catalog(telnyx={"base_url": fake.base_url})
        env = {"NUMLINK_TELNYX_BASE_URL": fake.base_url}
        async with committed_world(fresh_db, SETTINGS, catalog=catalog) as cw:
            key, api = cw.world.live_key, cw.api
            await put_account(api, key, "telnyx", {"api_key": "KEY-crash-0001"})
            with crashing_api(cw.url, env) as (process, base):
                await post_until_killed(process, base, "/v1/brands", key, brand_body("telnyx"))
            assert len(fake.registered()["brands"]) == 1
            assert await numlink_counts(cw, "brand") == (0, 1)

            await asyncio.sleep(LEASE_S + 0.2)
            headers = {"Idempotency-Key": "crash/v1/brands"}
            response = await api.post("/v1/brands", key, brand_body("telnyx"), headers=headers)
            brand = data(response, 201)
            (held,) = fake.registered()["brands"]
            assert brand["provider_brand_id"] == held["brandId"]
            assert await numlink_counts(cw, "brand") == (1, 0)

            verified = data(await api.post(f"/v1/brands/{brand['id']}/refresh", key, {}))
            assert verified["identity_status"] == "VERIFIED"
            body = campaign_body(brand["id"])
            with crashing_api(cw.url, env) as (process, base):
                await post_until_killed(process, base, "/v1/campaigns", key, body)
            assert len(fake.registered()["campaigns"]) == 1
            assert await numlink_counts(cw, "campaign") == (0, 1)
            await asyncio.sleep(LEASE_S + 0.2)
            assert await run_registration_jobs(cw.sessions, SETTINGS, catalog) >= 1
            (campaign,) = fake.registered()["campaigns"]
            adopted = data(await api.get("/v1/campaigns", key))
            assert [c["provider_campaign_id"] for c in adopted] == [campaign["campaignId"]]
            assert await numlink_counts(cw, "campaign") == (1, 0)
            again = data(await api.post("/v1/campaigns", key, body), 200)
            assert again["id"] == adopted[0]["id"]
            assert len(fake.registered()["campaigns"]) == 1


async def test_an_outage_leaves_nothing_once_the_job_has_asked(
    fresh_db: Callable[[], str],
) -> None:
    catalog = test_catalog()
    async with committed_world(fresh_db, SETTINGS, catalog=catalog) as cw:
        down = await cw.api.post(
            "/v1/brands", cw.world.test_key, brand_body(display_name="[unavailable]")
        )
        assert (down.status_code, error_code(down)) == (502, "PROVIDER_ERROR")
        assert await counts(cw, "brand") == (0, 0, 1)  # unclear whether it was created
        async with JobContext.open(cw.sessions, SETTINGS, catalog) as context:
            job = RegistrationRecoveryJob(context)

            async def asked() -> bool:
                await job.process_due(10)
                return await counts(cw, "brand") == (0, 0, 0)

            await wait_until(asked, timeout_s=30, interval_s=0.2)


async def test_idempotency_key_on_registration(fresh_db: Callable[[], str]) -> None:
    async with committed_world(fresh_db, SETTINGS, catalog=test_catalog()) as cw:
        api, key = cw.api, cw.world.test_key
        headers = {"Idempotency-Key": "reg-1"}
        first = await api.post("/v1/brands", key, brand_body(), headers=headers)
        second = await api.post("/v1/brands", key, brand_body(), headers=headers)
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.headers.get("Idempotent-Replayed") == "true"
        assert second.json() == first.json()
        reused = await api.post("/v1/brands", key, brand_body(city="LA"), headers=headers)
        assert error_code(reused) == "IDEMPOTENCY_KEY_REUSED"
        brand_id = first.json()["data"]["id"]
        deleted = await api.delete(f"/v1/brands/{brand_id}", key, headers={"Idempotency-Key": "d"})
        replayed = await api.delete(f"/v1/brands/{brand_id}", key, headers={"Idempotency-Key": "d"})
        assert replayed.headers.get("Idempotent-Replayed") == "true"
        assert replayed.json() == deleted.json() and data(deleted)["status"] == "DELETED"
        assert await counts(cw, "brand") == (1, 1, 0)
