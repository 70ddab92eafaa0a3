"""Registrations in flight, recorded before the provider is called.

A registration request claims its intent (``registration_intents``) in a transaction of its
own, committed before the provider hears of it, under a lease. The intent carries the client
reference numlink sends the provider. Whoever takes the intent over later (the same request
retried, or the registration job once the lease lapsed) first asks the provider for an object
with that reference and adopts it, so a crash or a timeout at any step neither creates a
second brand or campaign nor forgets one. Claiming, adopting and finishing take one advisory
lock per request fingerprint, so a claim always sees an object another process has just
finished.
"""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionMaker
from app.db.tenancy import Tenant
from app.kit.ids import new_id

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")

# New, or taken over from a holder whose lease lapsed; nothing if a live lease holds it.
_CLAIM = text(
    """
INSERT INTO registration_intents AS i
    (id, org_id, mode, kind, provider, client_ref, fingerprint, request, brand_id,
     lease_owner, next_attempt_at)
VALUES (:id, :org_id, :mode, :kind, :provider, :client_ref, :fingerprint,
        CAST(:request AS jsonb), :brand_id, :token,
        clock_timestamp() + make_interval(secs => :lease_s))
ON CONFLICT (org_id, mode, kind, fingerprint) DO UPDATE SET
    lease_owner = :token,
    next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s),
    attempts = i.attempts + 1
WHERE i.lease_owner IS NULL OR i.next_attempt_at <= clock_timestamp()
RETURNING i.id, i.client_ref, i.attempts
"""
)

_RELEASE = text(
    """
UPDATE registration_intents SET lease_owner = NULL, last_error = :error,
    next_attempt_at = clock_timestamp() + make_interval(secs => :retry_in_s)
WHERE id = :id AND lease_owner = :token
"""
)

_DROP = text("DELETE FROM registration_intents WHERE id = :id AND lease_owner = :token")
_FINISH = text("DELETE FROM registration_intents WHERE id = :id RETURNING id")

# Under the lock: the id of the object an identical registration already made, if any.
ExistsCheck = Callable[[AsyncSession, str], Awaitable[uuid.UUID | None]]


def fingerprint(kind: str, provider: str, request: dict[str, Any]) -> str:
    """The same registration asked again: same kind, provider and fields (key order aside)."""
    canonical = orjson.dumps([kind, provider, request], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def new_client_ref() -> str:
    return f"nl_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class Intent:
    id: uuid.UUID
    client_ref: str
    token: str  # the lease
    resumed: bool  # an earlier attempt may have reached the provider: look before creating


async def lock(session: AsyncSession, tenant: Tenant, kind: str, print_: str) -> None:
    """Serialise claiming, adopting and finishing one registration (until the transaction
    ends)."""
    await session.execute(_LOCK, {"key": f"{tenant.org_id}:{tenant.mode.value}:{kind}:{print_}"})


class IntentStore:
    """Each method is its own committed transaction: an intent must outlive the request's."""

    def __init__(self, sessions: SessionMaker, lease_s: float) -> None:
        self._sessions = sessions
        self.lease_s = lease_s

    async def claim(
        self,
        tenant: Tenant,
        kind: str,
        provider: str,
        print_: str,
        request: dict[str, Any],
        brand_id: uuid.UUID | None,
        exists: ExistsCheck,
    ) -> Intent | uuid.UUID | None:
        """The intent to work on; or the id of the object this registration already made
        (``exists``); or None while another live request holds it."""
        token = f"request:{uuid.uuid4().hex[:16]}"
        params = {
            "id": new_id(),
            "org_id": tenant.org_id,
            "mode": tenant.mode.value,
            "kind": kind,
            "provider": provider,
            "client_ref": new_client_ref(),
            "fingerprint": print_,
            "request": orjson.dumps(request).decode(),
            "brand_id": brand_id,
            "token": token,
            "lease_s": self.lease_s,
        }
        async with self._sessions.begin() as session:
            await lock(session, tenant, kind, print_)
            done = await exists(session, print_)
            if done is not None:
                return done
            row = (await session.execute(_CLAIM, params)).first()
        if row is None:
            return None
        return Intent(row.id, row.client_ref, token, resumed=row.attempts > 0)

    async def release(self, intent: Intent, error: str, retry_in_s: float) -> None:
        """Give the intent back after an unclear failure (the provider may hold the object):
        a retry or the job finds out."""
        params = {"id": intent.id, "token": intent.token, "error": error, "retry_in_s": retry_in_s}
        async with self._sessions.begin() as session:
            await session.execute(_RELEASE, params)

    async def drop(self, intent: Intent) -> None:
        """Forget the intent: the provider refused it, so it holds nothing."""
        async with self._sessions.begin() as session:
            await session.execute(_DROP, {"id": intent.id, "token": intent.token})


async def finish(
    session: AsyncSession, tenant: Tenant, kind: str, print_: str, intent_id: uuid.UUID
) -> bool:
    """In the transaction that records the object: whether this caller records it. Whoever
    finishes an intent first (the request, or the job that took it over) records the object;
    a later one finds it by fingerprint instead."""
    await lock(session, tenant, kind, print_)
    return (await session.execute(_FINISH, {"id": intent_id})).first() is not None
