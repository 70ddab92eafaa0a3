"""Keyset pagination over time-ordered ids: newest first, no OFFSET scans."""

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.envelope import JSONBody, ListMeta, dump
from app.db.models import Event
from app.db.tenancy import Tenant
from app.kit.cursor import CURSOR_PATTERN, decode_id_cursor, decode_seq_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    after_id: uuid.UUID | None


_CURSOR = Query(
    None, description="`meta.next_cursor` of the previous page.", pattern=CURSOR_PATTERN
)


def page_params(
    limit: int = Query(20, ge=1, le=100, description="Page size, 1-100."),
    cursor: str | None = _CURSOR,
) -> PageParams:
    return PageParams(limit, decode_id_cursor(cursor) if cursor else None)


@dataclass(frozen=True, slots=True)
class SeqPageParams:
    """A page of a list in sequence order (a task's items, an audit's findings)."""

    limit: int
    after_seq: int  # 0: from the start


def seq_page_params(
    limit: int = Query(100, ge=1, le=1000, description="Page size, 1-1000."),
    cursor: str | None = _CURSOR,
) -> SeqPageParams:
    return SeqPageParams(limit, decode_seq_cursor(cursor) if cursor else 0)


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


def seq_page(rows: list[dict[str, Any]], limit: int, total: int) -> tuple[list[Any], ListMeta]:
    """A page of rows ordered by ``seq`` (items, findings), read with ``limit + 1``."""
    next_cursor = encode_cursor(rows[limit - 1]["seq"]) if len(rows) > limit else None
    return rows[:limit], ListMeta(total=total, limit=limit, next_cursor=next_cursor)


def unpaged(items: list[Any]) -> ListMeta:
    """The meta of a short list given whole (no cursor)."""
    return ListMeta(total=len(items), limit=len(items), next_cursor=None)


async def ok_list(
    session: AsyncSession, tenant: Tenant, items: list[BaseModel], meta: ListMeta
) -> JSONBody:
    """Every list response: its items, and in ``meta.last_event_at`` the org's newest event in
    this mode (one index probe: ids are time-ordered)."""
    newest = (
        select(Event.created_at)
        .where(Event.org_id == tenant.org_id, Event.mode == tenant.mode)
        .order_by(Event.id.desc())
        .limit(1)
    )
    meta = meta.model_copy(update={"last_event_at": await session.scalar(newest)})
    return JSONBody({"success": True, "data": [dump(i) for i in items], "meta": dump(meta)}, 200)
