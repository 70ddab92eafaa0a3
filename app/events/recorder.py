"""Events for changes made through the ORM or in Python (brands, campaigns, tasks): one
statement per call, whatever the number of changed objects, in the caller's transaction."""

import functools
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import TextClause, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.tenancy import Tenant
from app.events.statements import Emit, Summary, emit
from app.events.types import STATUS_URL_TYPES, EventType

Change = tuple[uuid.UUID, Mapping[str, Any]]  # the resource's id and the event's data


@functools.cache
def _statement(event_type: EventType) -> TextClause:
    status_url = (
        "(SELECT p.status_url FROM phone_numbers p WHERE p.id = u.id)"
        if event_type in STATUS_URL_TYPES
        else "NULL::text"
    )
    return text(
        f"""
WITH src AS (
    SELECT u.id, CAST(u.data AS jsonb) AS data, {status_url} AS status_url
    FROM unnest(CAST(:ids AS uuid[]), CAST(:data AS text[])) AS u(id, data)
), {emit("ev", "src", [Emit(event_type, "s.data")], org="CAST(:org_id AS uuid)", mode=":mode")}
SELECT count(*) FROM ev
"""
    )


async def record(
    session: AsyncSession, tenant: Tenant, event_type: EventType, changes: Sequence[Change]
) -> int:
    """Writes one event of ``event_type`` per change (and its deliveries); returns how many."""
    if not changes:
        return 0
    params = {
        "org_id": tenant.org_id,
        "mode": str(tenant.mode),
        "ids": [resource_id for resource_id, _ in changes],
        "data": [orjson.dumps(dict(data)).decode() for _, data in changes],
    }
    return int((await session.execute(_statement(event_type), params)).scalar_one())


@asynccontextmanager
async def recording_updates(
    session: AsyncSession,
    tenant: Tenant,
    model: Any,
    ids: Sequence[uuid.UUID],
    watched: Sequence[str],
    summary: Summary,
) -> AsyncIterator[None]:
    """Around an update of ``model``'s rows ``ids`` made in Python: one ``summary`` event per
    row whose ``watched`` columns changed, none for a write that changed nothing. The rows are
    locked first, so what is compared is what this transaction changed."""
    columns = sorted({*watched, *summary.fields})
    read = select(model.id, *(getattr(model, c) for c in columns)).where(model.id.in_(ids))
    before = {r.id: r._mapping for r in await session.execute(read.with_for_update())}
    yield
    changes: list[Change] = []
    for row in await session.execute(read):
        was, now = before.get(row.id), row._mapping
        if was is None or all(was[c] == now[c] for c in watched):
            continue  # new (no update event) or unchanged
        data = {"id": row.id, **{f: now[f] for f in summary.fields}}
        data.update({f"previous_{f}": was[f] for f in summary.previous})
        changes.append((row.id, data))
    await record(session, tenant, summary.event_type, changes)


# Columns that are the gateway's bookkeeping, not the object's state: changing them is no event.
BOOKKEEPING = frozenset(
    {
        "id", "org_id", "mode", "created_at", "updated_at", "next_attempt_at", "lease_owner",
        "attempts", "provider_synced_at", "registration_fingerprint",
    }
)  # fmt: skip


def watched_columns(model: Any) -> tuple[str, ...]:
    """The columns of ``model`` a user sees change."""
    return tuple(c.key for c in model.__table__.columns if c.key not in BOOKKEEPING)


async def record_objects(
    session: AsyncSession, tenant: Tenant, summary: Summary, objects: Sequence[Any]
) -> int:
    """One ``summary`` event per object (created or deleted: no previous values)."""
    changes = [(o.id, {"id": o.id, **{f: getattr(o, f) for f in summary.fields}}) for o in objects]
    return await record(session, tenant, summary.event_type, changes)
