"""The bulk benchmark's fixtures: set-based seeding of many numbers, and the processes it
runs (``numlink api``, ``numlink worker``, the fake Telnyx), all on loopback."""

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from app.links.statements import BULK_SETUP
from bench.setup import SECRET_KEY, create_database, drop_database, libpq
from tests.support.committed import start_worker, stop

# Valid US local numbers: exchanges 220-309 (no N11 service codes) of a few area codes.
AREA_CODES = ("201", "202", "203", "205", "206")
EXCHANGES = 90
PER_AREA = EXCHANGES * 10_000
NUMBER_SQL = (
    f"'+1' || (ARRAY[{', '.join(repr(a) for a in AREA_CODES)}])[1 + g / {PER_AREA}]"
    f" || (220 + mod(g / 10000, {EXCHANGES}))::text || lpad(mod(g, 10000)::text, 4, '0')"
)
# Time-ordered ids, as the app's ULIDs are: a millisecond prefix, then random bits.
ID_SQL = (
    "(lpad(to_hex(%(base_ms)s::bigint + g), 12, '0') || substr(md5(random()::text), 1, 20))::uuid"
)
FAKE_KEY = "KEY"
SCOPES = ["numbers:read", "numbers:write", "webhooks:write"]


def number_at(index: int) -> str:
    """The ``index``-th seeded number (the same formula as ``NUMBER_SQL``)."""
    area = AREA_CODES[index // PER_AREA]
    return f"+1{area}{220 + (index // 10_000) % EXCHANGES}{index % 10_000:04d}"


@dataclass(frozen=True)
class Tenant:
    url: str  # SQLAlchemy URL of the database
    org_id: uuid.UUID
    mode: str
    provider: str
    key: str
    campaign_id: uuid.UUID
    campaign_ref: str

    @property
    def bulk_path(self) -> str:
        return f"/v1/campaigns/{self.campaign_id}/phone-numbers"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str]:
    url = create_database(server_url)
    try:
        yield url
    finally:
        drop_database(url)


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq(url), autocommit=autocommit)


def seed_tenant(url: str, mode: str, provider: str) -> Tenant:
    """An org with a key of ``mode``, a verified brand and an active campaign at ``provider``."""
    org_id, key_id, brand_id, campaign_id = (uuid.uuid4() for _ in range(4))
    secret = secrets.token_hex(24)
    ref = f"C-BULK-{campaign_id.hex[:6]}"
    with connect(url) as conn:
        conn.execute("INSERT INTO orgs (id, name) VALUES (%s, 'bulk bench')", (org_id,))
        conn.execute(
            "INSERT INTO api_keys (id, org_id, mode, scopes, secret_hash)"
            " VALUES (%s, %s, %s, %s, %s)",
            (key_id, org_id, mode, SCOPES, hashlib.sha256(secret.encode()).digest()),
        )
        conn.execute(
            "INSERT INTO brands (id, org_id, mode, provider, provider_brand_id, identity_status,"
            " status) VALUES (%s, %s, %s, %s, 'B-BULK', 'VERIFIED', 'ACTIVE')",
            (brand_id, org_id, mode, provider),
        )
        conn.execute(
            "INSERT INTO campaigns (id, org_id, mode, brand_id, provider, provider_campaign_id,"
            " status) VALUES (%s, %s, %s, %s, %s, %s, 'ACTIVE')",
            (campaign_id, org_id, mode, brand_id, provider, ref),
        )
    key = f"am_{mode}_{key_id.hex}_{secret}"
    return Tenant(url, org_id, mode, provider, key, campaign_id, ref)


def seed_numbers(tenant: Tenant, start: int, count: int, *, pending: bool = False) -> None:
    """Numbers ``number_at(start)`` onwards in one statement. ``pending``: each already has a
    desired link to the campaign that no worker has acted on, with its bulk task item, as a
    bulk attach leaves them."""
    if start + count > len(AREA_CODES) * PER_AREA:
        raise ValueError(f"at most {len(AREA_CODES) * PER_AREA:,} numbers can be seeded")
    params = {
        "org": tenant.org_id,
        "mode": tenant.mode,
        "provider": tenant.provider,
        "campaign": tenant.campaign_id,
        "first": start,
        "last": start + count - 1,
        "base_ms": int(time.time() * 1000) - start - count,
        "pending": pending,
    }
    with connect(tenant.url) as conn:
        conn.execute(
            "INSERT INTO phone_numbers (id, org_id, mode, number, region_code, number_type,"
            " provider, assigned, sms_enabled, mms_enabled, campaign_id, desired_version,"
            " carrier_line_option_status, sync_phase, next_attempt_at)"
            f" SELECT {ID_SQL}, %(org)s, %(mode)s, {NUMBER_SQL}, 'US', 'local', %(provider)s,"
            " true, true, true,"
            " CASE WHEN %(pending)s THEN %(campaign)s::uuid END,"
            " CASE WHEN %(pending)s THEN 1 ELSE 0 END,"
            " CASE WHEN %(pending)s THEN 'pending' END,"
            " CASE WHEN %(pending)s THEN 'submit' END,"
            " CASE WHEN %(pending)s THEN now() END"
            " FROM generate_series(%(first)s::int, %(last)s::int) AS g",
            params,
        )
        if pending:
            task = conn.execute(
                "INSERT INTO bulk_tasks (id, org_id, mode, campaign_id, operation, source, total)"
                " VALUES (gen_random_uuid(), %(org)s, %(mode)s, %(campaign)s, 'attach',"
                " 'numbers', %(last)s - %(first)s + 1) RETURNING id",
                params,
            ).fetchone()
            assert task is not None
            conn.execute(
                "INSERT INTO bulk_task_items (task_id, seq, value, phone_number_id,"
                " desired_version) SELECT %(task)s, row_number() OVER (ORDER BY p.number),"
                " p.number, p.id, p.desired_version FROM phone_numbers p"
                " WHERE p.org_id = %(org)s AND p.mode = %(mode)s",
                {**params, "task": task[0]},
            )
    with connect(tenant.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # a settled table, as autovacuum leaves it


def start_bulk_attach(
    conn: psycopg.Connection[Any], tenant: Tenant, arrays: dict[str, Any], total: int
) -> dict[str, Any]:
    """In the caller's transaction: a bulk attach task row, the bulk statement's settings, and
    the statement's parameters for that task and the request's item ``arrays``."""
    task_id = uuid.uuid4()
    conn.execute(
        "INSERT INTO bulk_tasks (id, org_id, mode, campaign_id, operation, source, total)"
        " VALUES (%s, %s, %s, %s, 'attach', 'numbers', %s)",
        (task_id, tenant.org_id, tenant.mode, tenant.campaign_id, total),
    )
    for setting in BULK_SETUP:
        conn.execute(setting)
    return {
        "org_id": tenant.org_id,
        "mode": tenant.mode,
        "task_id": task_id,
        "campaign_id": tenant.campaign_id,
        "campaign_provider": tenant.provider,
        **arrays,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_process(
    url: str, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[str]:
    """A real ``numlink api`` on a free loopback port; yields its base URL. A second port is
    tried if the first was taken meanwhile; its log is shown if it never gets ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMLINK_")}
    env["NUMLINK_SECRET_KEYS"] = SECRET_KEY
    env.update(extra_env or {})
    env.update({"DATABASE_URL": url, "NUMLINK_KEY_RATE_PER_S": "0",
                "NUMLINK_ACCESS_LOG": "false", "NUMLINK_LOG_LEVEL": "WARNING"})  # fmt: skip
    for attempt in range(2):
        port = free_port()
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from app.cli.main import main; main()", "api",
                 "--port", str(port), "--workers", str(workers)],
                env=env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            try:
                if _ready(process, f"http://127.0.0.1:{port}/readyz", timeout_s=60):
                    yield f"http://127.0.0.1:{port}"
                    return
            finally:
                stop(process, signal.SIGTERM)
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
        if attempt == 1 or "address already in use" not in output:
            raise RuntimeError(f"numlink api did not get ready:\n{output}")


def _ready(process: subprocess.Popen[bytes], url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


@contextmanager
def fake_telnyx(
    rate_per_s: float, settle_s: float, burst: float | None = None, numbers_file: str | None = None
) -> Iterator[str]:
    """The fake Telnyx as a process, no faults, enforcing ``rate_per_s`` (0: no limit), holding
    the numbers of ``numbers_file`` (see the fake's --numbers-file); yields its base URL (ending
    in /v2)."""
    burst = burst if burst is not None else max(10.0, rate_per_s / 10)
    extra = ["--numbers-file", numbers_file] if numbers_file else []
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.providers.telnyx.fake_server", "--port", "0",
         "--key", FAKE_KEY, "--rate", str(rate_per_s), "--burst", str(burst),
         "--settle-s", str(settle_s), *extra],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().decode().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake Telnyx did not start: {base_url!r}")
        yield base_url
    finally:
        stop(process, signal.SIGTERM)


def worker_env(base_url: str, rate_per_s: float, confirm_poll_s: float) -> dict[str, str]:
    """The platform's default Telnyx account pointed at the fake; other settings as shipped."""
    return {
        "NUMLINK_TELNYX_API_KEY": FAKE_KEY,
        "NUMLINK_TELNYX_BASE_URL": base_url,
        "NUMLINK_TELNYX_RATE_PER_S": str(rate_per_s),
        "NUMLINK_SECRET_KEYS": SECRET_KEY,
        "NUMLINK_CONFIRM_POLL_S": str(confirm_poll_s),
        "NUMLINK_WORKER_IDLE_SLEEP_S": "0.05",
    }


@contextmanager
def worker_processes(url: str, env: dict[str, str], count: int) -> Iterator[list[int]]:
    """``count`` real ``numlink worker`` processes; yields their pids."""
    workers = [start_worker(url, env) for _ in range(count)]
    try:
        yield [w.pid for w in workers]
    finally:
        for worker in workers:
            stop(worker, signal.SIGTERM)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of a running process, in kB."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def scalar(url: str, sql: str, params: dict[str, Any] | None = None) -> Any:
    with connect(url) as conn:
        row = conn.execute(sql, params or {}).fetchone()
    return None if row is None else row[0]
