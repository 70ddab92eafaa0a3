"""Idempotency-Key handling, scoped per API key.

A key is reserved on its own committed connection (so a concurrent duplicate sees it at once
and gets 409), and its response is stored in the request's own transaction, so the stored
response and the change it describes commit together. A request that fails releases its key:
nothing was written, so a retry may run again.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

import orjson
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.responses import Response

from app.db.models import IdempotencyKey
from app.kit.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed
from app.kit.secrets import SecretBox, SecretBoxError

HEADER = "idempotency-key"
_TABLE: Table = IdempotencyKey.__table__  # type: ignore[assignment]
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Reservation:
    api_key_id: uuid.UUID
    key: str


class IdempotentReplay(Exception):
    """Raised when the request was already answered: the stored response is returned."""

    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__("replay")
        self.status_code = status_code
        self.body = body

    def response(self) -> Response:
        return Response(
            self.body,
            self.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """Same request = same method, path, query and JSON value (key order and spacing aside)."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(
            details={"Idempotency-Key": f"must be 1..{MAX_KEY_LENGTH} printable characters"}
        )
    return key


async def reserve(
    engine: AsyncEngine,
    api_key_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
    *,
    ttl: timedelta,
    stale_after: timedelta,
    box: SecretBox,
) -> Reservation:
    """Reserve ``key`` or raise: replay, reused for another request, or still in progress."""
    table = _TABLE
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        inserted = await conn.execute(
            insert(table)
            .values(api_key_id=api_key_id, key=key, fingerprint=request_fingerprint)
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if inserted.first() is not None:
            return Reservation(api_key_id, key)
        row = (
            await conn.execute(
                select(
                    table.c.fingerprint,
                    table.c.response_status,
                    table.c.response_body,
                    table.c.created_at < func.now() - ttl,
                    table.c.created_at < func.now() - stale_after,
                    table.c.created_at,
                ).where(table.c.api_key_id == api_key_id, table.c.key == key)
            )
        ).first()
        if row is None:  # released between our insert and select: try once more
            return await reserve(
                engine,
                api_key_id,
                key,
                request_fingerprint,
                ttl=ttl,
                stale_after=stale_after,
                box=box,
            )
        stored_fp, status, sealed, expired, stale, created_at = row
        abandoned = status is None and stale
        body = _open_body(box, sealed) if status is not None else None
        unreadable = status is not None and body is None  # no current key opens it: gone
        if not expired and not abandoned and not unreadable:
            if stored_fp != request_fingerprint:
                raise IdempotencyKeyReused()
            if body is None:
                raise IdempotencyInProgress()
            raise IdempotentReplay(status, body)
        taken = await conn.execute(
            update(table)
            .where(
                table.c.api_key_id == api_key_id,
                table.c.key == key,
                table.c.created_at == created_at,
            )
            .values(
                fingerprint=request_fingerprint,
                response_status=None,
                response_body=None,
                created_at=func.now(),
            )
        )
        if taken.rowcount != 1:
            raise IdempotencyInProgress()
        return Reservation(api_key_id, key)


async def complete(
    session: AsyncSession, reservation: Reservation, response: Response, box: SecretBox
) -> None:
    """Store the response, sealed: some carry secrets shown once (webhook secrets)."""
    table = _TABLE
    sealed = box.seal(bytes(response.body).decode())
    await session.execute(
        update(table)
        .where(table.c.api_key_id == reservation.api_key_id, table.c.key == reservation.key)
        .values(response_status=response.status_code, response_body=sealed)
    )


def _open_body(box: SecretBox, sealed: bytes | None) -> bytes | None:
    """The stored response, or None when no current key opens it (then it counts as gone)."""
    try:
        return box.open(sealed or b"").encode()
    except SecretBoxError:
        return None


async def release(engine: AsyncEngine, reservation: Reservation) -> None:
    table = _TABLE
    async with engine.begin() as conn:
        await conn.execute(
            delete(table).where(
                table.c.api_key_id == reservation.api_key_id,
                table.c.key == reservation.key,
                table.c.response_status.is_(None),
            )
        )
