"""API keys: ``am_<mode>_<key-id>_<secret>``, shown once, stored as a SHA-256 of the secret.

The secret is 192 random bits, so a fast hash is enough: it cannot be brute-forced, and a
slow KDF would cost the hot path. Comparison is constant-time.
"""

import asyncio
import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.api.auth import AuthContext
from app.db.models import ApiKey, Mode
from app.db.tenancy import Tenant
from app.keys.repository import ApiKeyRepository
from app.kit.errors import NotFound, Unauthorized, ValidationFailed

SCOPES: tuple[str, ...] = (
    "numbers:read",
    "numbers:write",
    "campaigns:read",
    "campaigns:write",
    "brands:read",
    "brands:write",
    "apikeys:write",
    "webhooks:read",
    "webhooks:write",
    "events:read",
    "providers:read",
    "providers:write",
)
_KEY_RE = re.compile(r"am_(live|test)_([0-9a-f]{32})_([0-9a-f]{48})")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    record: ApiKey
    key: str


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_scopes(raw: str) -> list[str]:
    if raw.strip() == "all":
        return list(SCOPES)
    scopes = [s.strip() for s in raw.split(",") if s.strip()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValidationFailed(
            details={"scopes": f"unknown scope(s): {', '.join(unknown) or '(none)'}"}
        )
    return sorted(set(scopes), key=SCOPES.index)


async def create_key(
    session: AsyncSession, org_id: uuid.UUID, mode: Mode, scopes: list[str]
) -> IssuedKey:
    key_id = uuid.uuid4()
    secret = secrets.token_hex(24)
    record = ApiKey(
        id=key_id, org_id=org_id, mode=mode.value, scopes=scopes, secret_hash=hash_secret(secret)
    )
    await ApiKeyRepository(session).add(record)
    return IssuedKey(record, f"am_{mode.value}_{key_id.hex}_{secret}")


async def revoke_key(session: AsyncSession, key_id: uuid.UUID) -> None:
    if not await ApiKeyRepository(session).revoke(key_id):
        raise NotFound("no active key with that id")


@dataclass(frozen=True, slots=True)
class _KeyRecord:
    org_id: uuid.UUID
    mode: str
    scopes: frozenset[str]
    secret_hash: bytes
    revoked: bool


@dataclass(frozen=True, slots=True)
class _CachedKey:
    expires: float
    record: _KeyRecord | None


class KeyAuthenticator:
    """Verifies bearer keys; caches lookups for ``ttl_s`` so revocation applies within it."""

    def __init__(self, sessions: Callable[[], AsyncSession], ttl_s: float) -> None:
        self.sessions = sessions  # its own, short: a lookup is not part of the request's work
        self.ttl_s = ttl_s
        self._cache: dict[uuid.UUID, _CachedKey] = {}
        self._reading: dict[uuid.UUID, asyncio.Future[_KeyRecord | None]] = {}

    async def authenticate(self, raw: str | None) -> AuthContext:
        match = _KEY_RE.fullmatch(raw or "")
        if match is None:
            raise Unauthorized()
        mode, key_hex, secret = match.groups()
        key_id = uuid.UUID(hex=key_hex)
        record = await self._lookup(key_id)
        if (
            record is None
            or record.revoked
            or record.mode != mode
            or not hmac.compare_digest(record.secret_hash, hash_secret(secret))
        ):
            raise Unauthorized()
        return AuthContext(
            tenant=Tenant(record.org_id, Mode(record.mode)),
            api_key_id=key_id,
            scopes=record.scopes,
        )

    async def _lookup(self, key_id: uuid.UUID) -> _KeyRecord | None:
        cached = self._cache.get(key_id)
        if cached is not None and cached.expires > time.monotonic():
            return cached.record
        # one read per key at a time: a burst of requests with a key not yet cached waits for
        # it rather than taking one pooled connection each
        reading = self._reading.get(key_id)
        if reading is None:
            reading = self._reading[key_id] = asyncio.ensure_future(self._read(key_id))
            reading.add_done_callback(lambda _: self._reading.pop(key_id, None))
        return await asyncio.shield(reading)  # a request that goes away leaves it to the rest

    async def _read(self, key_id: uuid.UUID) -> _KeyRecord | None:
        now = time.monotonic()
        async with self.sessions() as session:
            row = await ApiKeyRepository(session).get(key_id)
        record = None
        if row is not None:
            record = _KeyRecord(
                row.org_id,
                row.mode,
                frozenset(row.scopes),
                row.secret_hash,
                row.revoked_at is not None,
            )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key_id] = _CachedKey(now + self.ttl_s, record)
        return record

    def forget(self, key_id: uuid.UUID) -> None:
        self._cache.pop(key_id, None)
