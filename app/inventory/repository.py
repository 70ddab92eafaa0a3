"""Inventory statements: a page of the provider's numbers upserted in one statement, numbers no
sync listed marked released, sync tasks started once per account."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from app.bulk.repository import ANALYZE_LISTINGS
from app.db.models import BulkTask
from app.db.raw import run_raw
from app.db.tenancy import TenantRepository
from app.events.statements import (
    ASSIGNMENT_COLUMNS,
    NUMBER_CREATED,
    Emit,
    assignment_changed,
    emit,
    update_with_events,
)
from app.kit.ids import new_id
from app.kit.phone import parse_listed
from app.kit.sql import psycopg_params
from providers.base import NumberInfo

# A time-ordered id as the app's ULIDs are (milliseconds, then random bits), made only for the
# rows inserted.
TIME_ORDERED_ID = """CAST(lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint),
                     12, '0') || substr(md5(random()::text), 1, 20) AS uuid)"""

# The page is recorded as listed by the task, and upserted: new numbers are inserted; known
# ones of the provider are updated only when their provider-side state changed (``updated``; a
# released one coming back included); unchanged ones are not written. Known numbers of another
# provider are left alone; numbers libphonenumber deems invalid are not added. ON CONFLICT
# finds each number through the unique index, whatever the planner thinks of the org's size.
# New numbers are created events; known ones assigned or released, assignment events.
_PAGE_EVENTS = emit(
    "emitted",
    "changed",
    [
        Emit(NUMBER_CREATED.type, NUMBER_CREATED.data, "s.inserted"),
        assignment_changed("NOT s.inserted"),
    ],
)
_UPSERT_PAGE = psycopg_params(
    f"""
WITH page AS (
    SELECT * FROM unnest(CAST(:numbers AS text[]),
                         CAST(:regions AS text[]), CAST(:types AS text[]),
                         CAST(:assigned AS bool[]), CAST(:sms AS bool[]), CAST(:mms AS bool[]),
                         CAST(:profiles AS text[]))
        AS v(number, region_code, number_type, assigned, sms_enabled, mms_enabled,
             messaging_profile_id)
), listed AS (
    INSERT INTO task_listings (task_id, listing, campaign_ref, number, state)
    SELECT :task_id, 'account', '', v.number, 'listed' FROM page v
    ON CONFLICT DO NOTHING
    RETURNING 1
), known AS (
    SELECT p.number, p.assigned AS previous_assigned, p.released_at AS previous_released_at
    FROM phone_numbers p
    WHERE p.org_id = :org_id AND p.mode = :mode AND p.number = ANY(CAST(:numbers AS text[]))
), upserted AS (
    INSERT INTO phone_numbers AS p (id, org_id, mode, number, region_code, number_type,
                                    provider, assigned, sms_enabled, mms_enabled,
                                    messaging_profile_id)
    SELECT {TIME_ORDERED_ID}, :org_id, :mode, v.number, v.region_code, v.number_type, :provider,
           v.assigned, v.sms_enabled, v.mms_enabled, v.messaging_profile_id
    FROM page v
    WHERE v.number_type IS NOT NULL
    ON CONFLICT (org_id, mode, number) DO UPDATE SET
        assigned = excluded.assigned, sms_enabled = excluded.sms_enabled,
        mms_enabled = excluded.mms_enabled, messaging_profile_id = excluded.messaging_profile_id,
        released_at = NULL, updated_at = clock_timestamp()
    WHERE p.provider = excluded.provider
      AND (p.assigned, p.sms_enabled, p.mms_enabled, p.messaging_profile_id,
           p.released_at IS NULL)
          IS DISTINCT FROM (excluded.assigned, excluded.sms_enabled, excluded.mms_enabled,
                            excluded.messaging_profile_id, true)
    RETURNING p.*, p.xmax = 0 AS inserted
), changed AS (
    SELECT u.*, k.previous_assigned, k.previous_released_at
    FROM upserted u LEFT JOIN known k ON k.number = u.number
), {_PAGE_EVENTS}
SELECT (SELECT count(*) FROM upserted WHERE inserted) AS added,
       (SELECT count(*) FROM upserted WHERE NOT inserted) AS updated,
       (SELECT count(*) FROM listed) AS listed
"""
)

# A sync's last page: the provider's numbers it did not list are gone from the account
# (numbers registered after the sync started are left for the next one). Then the listing
# is dropped.
_RELEASE = update_with_events(
    "phone_numbers",
    "assigned = false, released_at = clock_timestamp(), updated_at = clock_timestamp()",
    """p.org_id = :org_id AND p.mode = :mode AND p.provider = :provider
  AND p.released_at IS NULL AND p.created_at <= :started_at
  AND NOT EXISTS (SELECT 1 FROM task_listings l WHERE l.task_id = :task_id
                  AND l.listing = 'account' AND l.campaign_ref = '' AND l.number = p.number)""",
    ASSIGNMENT_COLUMNS,
    [assignment_changed()],
)
_FORGET_LISTING = text("DELETE FROM task_listings WHERE task_id = :task_id")

_START_SYNC = text(
    """
INSERT INTO bulk_tasks (id, org_id, mode, operation, source, total, provider, low_priority,
                        phase, next_attempt_at)
VALUES (:id, :org_id, :mode, 'sync', 'provider', 0, :provider, :low_priority, 'list', now())
ON CONFLICT (org_id, mode, provider) WHERE operation = 'sync' AND phase <> 'done' DO NOTHING
RETURNING id
"""
)

_RUNNING_SYNC = text(
    """
SELECT id FROM bulk_tasks
WHERE org_id = :org_id AND mode = :mode AND provider = :provider
  AND operation = 'sync' AND phase <> 'done'
"""
)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    added: int
    updated: int
    listed: int  # numbers the task had not listed before (a page repeating one: not again)


def page_arrays(numbers: Sequence[NumberInfo]) -> dict[str, list[Any]]:
    """The page as index-aligned arrays; an invalid number gets no type (and is not added)."""
    arrays: dict[str, list[Any]] = {
        k: [] for k in ("numbers", "regions", "types", "assigned", "sms", "mms", "profiles")
    }
    for info in {n.number: n for n in numbers}.values():  # a number listed twice: once
        try:
            parsed = parse_listed(info.number)
            region, kind = parsed.region_code, parsed.number_type
        except ValueError:
            region, kind = None, None
        for key, value in (
            ("numbers", info.number[:20]),
            ("regions", region),
            ("types", kind),
            ("assigned", info.assigned),
            ("sms", info.sms_enabled),
            ("mms", info.mms_enabled),
            ("profiles", info.messaging_profile_id),
        ):
            arrays[key].append(value)
    return arrays


class InventoryRepository(TenantRepository[BulkTask]):
    model = BulkTask
    noun = "task"

    async def upsert_page(
        self, provider: str, task_id: uuid.UUID, numbers: Sequence[NumberInfo]
    ) -> UpsertCounts:
        if not numbers:
            return UpsertCounts(0, 0, 0)
        return await self.upsert_arrays(provider, task_id, page_arrays(numbers))

    async def upsert_arrays(
        self, provider: str, task_id: uuid.UUID, arrays: dict[str, list[Any]]
    ) -> UpsertCounts:
        """The statement alone, on a page already made into arrays (``page_arrays``)."""
        params = {**self.tenant_values(), "provider": provider, "task_id": task_id, **arrays}
        (row,) = await run_raw(self.session, _UPSERT_PAGE, params)
        return UpsertCounts(int(row["added"]), int(row["updated"]), int(row["listed"]))

    async def release_unseen(self, task_id: uuid.UUID, provider: str, started_at: datetime) -> int:
        params = {
            **self.tenant_values(),
            "provider": provider,
            "task_id": task_id,
            "started_at": started_at,
        }
        await self.session.execute(ANALYZE_LISTINGS)
        result = await self.session.execute(_RELEASE, params)
        await self.session.execute(_FORGET_LISTING, {"task_id": task_id})
        return len(result.all())

    async def start_sync(self, provider: str, low_priority: bool) -> BulkTask:
        """A new sync of the account, or the one still running (one at a time)."""
        params = {**self.tenant_values(), "provider": provider}
        created = await self.session.execute(
            _START_SYNC, {**params, "id": new_id(), "low_priority": low_priority}
        )
        task_id = created.scalar()
        if task_id is None:
            task_id = (await self.session.execute(_RUNNING_SYNC, params)).scalar_one()
        task = await self.get(task_id, fresh=True)
        assert task is not None
        return task
