"""Events for changes made through the ORM or in Python (brands, campaigns, tasks): one
statement per call, whatever the number of changed objects, in the caller's transaction."""

import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.tenancy import Tenant
from app.events.statements import Emit, emit
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
