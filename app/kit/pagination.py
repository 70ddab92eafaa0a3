"""Keyset pagination over time-ordered ids: newest first, no OFFSET scans."""

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Query
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.envelope import ListMeta
from app.kit.errors import ValidationFailed

_PREFIX = b"nl1:"


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    after_id: uuid.UUID | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(_PREFIX + last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if not raw.startswith(_PREFIX) or len(raw) != len(_PREFIX) + 16:
        raise ValidationFailed(details={"cursor": "invalid cursor"})
    return uuid.UUID(bytes=raw[len(_PREFIX) :])


def page_params(
    limit: int = Query(20, ge=1, le=100, description="Page size, 1-100."),
    cursor: str | None = Query(None, description="`meta.next_cursor` of the previous page."),
) -> PageParams:
    return PageParams(limit, decode_cursor(cursor) if cursor else None)


async def paginate(
    session: AsyncSession, stmt: Select[Any], id_column: Any, page: PageParams
) -> tuple[list[Any], ListMeta]:
    """``stmt`` is already tenant-scoped and filtered; returns the page and its meta."""
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    paged = stmt.order_by(id_column.desc()).limit(page.limit + 1)
    if page.after_id is not None:
        paged = paged.where(id_column < page.after_id)
    rows = list((await session.execute(paged)).scalars())
    next_cursor = encode_cursor(rows[page.limit - 1].id) if len(rows) > page.limit else None
    return rows[: page.limit], ListMeta(total=total, limit=page.limit, next_cursor=next_cursor)
