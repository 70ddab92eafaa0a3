"""The production shape: ``numlink api`` and ``numlink worker`` as separate processes, each with
its own data directory, on one database and one NUMLINK_SECRET_KEYS. What the API encrypts
(the org's signing secret) the worker must read: a status webhook arrives and verifies."""

import signal
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from app.db.engine import create_engine, create_sessionmaker
from tests.support.api import Api, World, data, us_number
from tests.support.committed import stop, wait_until
from tests.support.database import DatabaseServer
from tests.support.processes import free_port, numlink_env, start_numlink, wait_ready
from tests.support.receiver import receiver

FAST = {
    "NUMLINK_SANDBOX_DELAY_S": "0",
    "NUMLINK_CONFIRM_POLL_S": "0.05",
    "NUMLINK_CONFIRM_POLL_CAP_S": "0.2",
    "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
    "NUMLINK_LOG_LEVEL": "WARNING",
}


async def test_api_and_worker_apart_share_the_secret_key(
    server: DatabaseServer, tmp_path: Path
) -> None:
    url = server.create_database()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    api_dir, worker_dir = tmp_path / "api", tmp_path / "worker"
    api_env = numlink_env(url, NUMLINK_DATA_DIR=str(api_dir), NUMLINK_PORT=str(port), **FAST)
    worker_env = numlink_env(url, NUMLINK_DATA_DIR=str(worker_dir), **FAST)
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    api_process = start_numlink(["api"], api_env, api_log)
    worker_process = start_numlink(["worker"], worker_env, worker_log)
    engine = create_engine(url, pool_size=2)
    try:
        await wait_ready(base_url, api_process, api_log)
        with receiver() as rx:
            async with httpx.AsyncClient(base_url=base_url) as client:
                world = await World.create(Api(client), create_sessionmaker(engine))
                key = world.test_key
                body = {"number": us_number(), "provider": "sandbox", "status_url": rx.url("/s")}
                number = data(await world.api.post("/v1/phone-numbers", key, body), 201)
                secret = data(await world.api.get("/v1/webhook-signing-secret", key))["secret"]
                campaign = await world.campaign()
                data(await world.attach(number["id"], campaign["id"]))

                async def propagated_arrived() -> bool:
                    statuses = [
                        Webhook(secret).verify(r.body, r.headers)["data"] for r in rx.to("/s")
                    ]
                    return any(s["carrier_line_option_status"] == "propagated" for s in statuses)

                await wait_until(propagated_arrived, timeout_s=30)
        assert worker_process.poll() is None, worker_log.read_text()
        assert "does not decrypt" not in worker_log.read_text()
        # neither process made a key of its own
        assert not (api_dir / "secret.key").exists() and not (worker_dir / "secret.key").exists()
    finally:
        stop(api_process, signal.SIGTERM)
        stop(worker_process, signal.SIGTERM)
        await engine.dispose()


async def test_serving_process_excludes_its_startup_heap_from_collections(
    server: DatabaseServer, tmp_path: Path
) -> None:
    """A full collection walking the start-up objects stalled every request on the worker
    (the attach latency tail): the serving process freezes them and times what remains."""
    url = server.create_database()
    port = free_port()
    env = numlink_env(url, NUMLINK_DATA_DIR=str(tmp_path), NUMLINK_PORT=str(port), **FAST)
    log = tmp_path / "api.log"
    process = start_numlink(["api"], env, log)
    try:
        await wait_ready(f"http://127.0.0.1:{port}", process, log)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            metrics = (await client.get("/metrics")).text
        frozen = [line for line in metrics.splitlines() if line.startswith("numlink_gc_frozen")]
        assert frozen and float(frozen[0].split()[-1]) > 50_000, frozen
        assert "numlink_gc_pause_seconds_bucket" in metrics or "numlink_gc_pause_seconds" in metrics
    finally:
        stop(process, signal.SIGTERM)
