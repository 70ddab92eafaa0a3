"""Benchmark fixtures: a fresh seeded database and a running API process on loopback."""

import hashlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from cryptography.fernet import Fernet
from psycopg import sql

from app.db.embedded import start_embedded
from app.db.engine import async_url
from app.db.migrations import upgrade


@dataclass(frozen=True)
class Seed:
    url: str  # SQLAlchemy URL of the seeded database
    libpq_url: str
    key: str
    key_id: uuid.UUID
    org_id: uuid.UUID
    campaigns: tuple[str, str]
    numbers: list[str]


def libpq(url: str) -> str:
    return async_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(server_url: str | None) -> str:
    """A new migrated database on ``server_url``'s server, or on an embedded one."""
    if server_url is None:
        server_url = start_embedded(
            Path(tempfile.mkdtemp(prefix="numlink-bench-")), cleanup="delete"
        )
    admin = libpq(server_url)
    name = f"numlink_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, query = admin.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    upgrade(url)
    return async_url(url)


def drop_database(url: str) -> None:
    base, _, query = libpq(url).partition("?")
    server, name = base.rsplit("/", 1)
    admin = server + "/postgres" + (f"?{query}" if query else "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def seed(url: str, numbers: int) -> Seed:
    org_id, key_id = uuid.uuid4(), uuid.uuid4()
    secret = secrets.token_hex(24)
    campaigns = (str(uuid.uuid4()), str(uuid.uuid4()))
    brand_id = uuid.uuid4()
    with psycopg.connect(libpq(url)) as conn:
        conn.execute("INSERT INTO orgs (id, name) VALUES (%s, 'bench')", (org_id,))
        conn.execute(
            "INSERT INTO api_keys (id, org_id, mode, scopes, secret_hash)"
            " VALUES (%s, %s, 'test', %s, %s)",
            (
                key_id,
                org_id,
                ["numbers:read", "numbers:write"],
                hashlib.sha256(secret.encode()).digest(),
            ),
        )
        conn.execute(
            "INSERT INTO brands (id, org_id, mode, provider, provider_brand_id, identity_status,"
            " status) VALUES (%s, %s, 'test', 'sandbox', 'BENCH', 'VERIFIED', 'ACTIVE')",
            (brand_id, org_id),
        )
        for index, campaign in enumerate(campaigns):
            conn.execute(
                "INSERT INTO campaigns (id, org_id, mode, brand_id, provider, provider_campaign_id,"
                " status) VALUES (%s, %s, 'test', %s, 'sandbox', %s, 'ACTIVE')",
                (campaign, org_id, brand_id, f"C{index}"),
            )
        rows = conn.execute(
            "INSERT INTO phone_numbers (id, org_id, mode, number, region_code, number_type,"
            " provider, assigned, sms_enabled, mms_enabled)"
            " SELECT gen_random_uuid(), %s, 'test', '+1201' || lpad(g::text, 7, '0'), 'US',"
            " 'local', 'sandbox', true, true, true"
            " FROM generate_series(2000000, 2000000 + %s - 1) g"
            " RETURNING id",
            (org_id, numbers),
        ).fetchall()
        conn.execute("ANALYZE")
    return Seed(
        url=url,
        libpq_url=libpq(url),
        key=f"am_test_{key_id.hex}_{secret}",
        key_id=key_id,
        org_id=org_id,
        campaigns=campaigns,
        numbers=[str(r[0]) for r in rows],
    )


# one key for every process a benchmark run starts (the API and workers share the database)
SECRET_KEY = Fernet.generate_key().decode()


def start_api(url: str, port: int, workers: int, access_log: bool) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMLINK_")}
    env.update(
        {
            "DATABASE_URL": url,
            "NUMLINK_SECRET_KEYS": SECRET_KEY,
            "NUMLINK_KEY_RATE_PER_S": "0",
            "NUMLINK_ACCESS_LOG": "true" if access_log else "false",
            "NUMLINK_LOG_LEVEL": "WARNING",
        }
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from app.cli.main import main; main()",
            "api",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the API did not become ready")
