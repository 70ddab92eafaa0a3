"""Batch registration: the request's numbers become the task's items in one statement; the
worker then takes them a chunk at a time, reads each at the provider and registers the chunk
in one statement."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.db.models import BulkTask
from app.db.raw import run_raw
from app.db.tenancy import TenantRepository
from app.events.statements import NUMBER_CREATED, emit
from app.kit.ids import new_id
from app.kit.phone import ParsedNumber
from app.kit.sql import psycopg_params
from providers.base import NumberInfo

_RECORD_ITEMS = psycopg_params(
    """
INSERT INTO bulk_task_items (task_id, seq, value, code)
SELECT :task_id, v.seq, v.value,
       CASE WHEN v.code IS NOT NULL THEN v.code
            WHEN row_number() OVER (PARTITION BY v.value ORDER BY v.seq) > 1
                THEN 'DUPLICATE_IN_REQUEST' END
FROM unnest(CAST(:values AS text[]), CAST(:codes AS text[])) WITH ORDINALITY AS v(value, code, seq)
RETURNING 1
"""
)

# Items not yet decided, with the number already registered under that value, if any.
_NEXT_ITEMS = psycopg_params(
    """
SELECT i.seq, i.value, p.id AS registered
FROM bulk_task_items i
LEFT JOIN phone_numbers p ON p.org_id = :org_id AND p.mode = :mode AND p.number = i.value
WHERE i.task_id = :task_id AND i.code IS NULL AND i.phone_number_id IS NULL
ORDER BY i.seq
LIMIT :limit
"""
)

# The chunk's new numbers inserted (with their events) and every decided item recorded, in one
# statement; an item
# whose number was registered meanwhile by someone else is a CONFLICT.
_REGISTER = psycopg_params(
    f"""
WITH new AS (
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS text[]),
                         CAST(:regions AS text[]), CAST(:types AS text[]),
                         CAST(:assigned AS bool[]), CAST(:sms AS bool[]), CAST(:mms AS bool[]),
                         CAST(:profiles AS text[]))
        AS v(id, number, region_code, number_type, assigned, sms_enabled, mms_enabled,
             messaging_profile_id)
), inserted AS (
    INSERT INTO phone_numbers (id, org_id, mode, number, region_code, number_type, provider,
                               label, assigned, sms_enabled, mms_enabled, messaging_profile_id)
    SELECT v.id, :org_id, :mode, v.number, v.region_code, v.number_type, :provider, :label,
           v.assigned, v.sms_enabled, v.mms_enabled, v.messaging_profile_id
    FROM new v
    ON CONFLICT (org_id, mode, number) DO NOTHING
    RETURNING *
), {emit("emitted", "inserted", [NUMBER_CREATED])}, decided AS (
    SELECT * FROM unnest(CAST(:seqs AS int[]), CAST(:values AS text[]), CAST(:codes AS text[]))
        AS d(seq, value, code)
)
UPDATE bulk_task_items i SET
    phone_number_id = ins.id,
    code = CASE WHEN d.code IS NOT NULL THEN d.code WHEN ins.id IS NULL THEN 'CONFLICT' END
FROM decided d LEFT JOIN inserted ins ON ins.number = d.value
WHERE i.task_id = :task_id AND i.seq = d.seq
RETURNING i.seq
"""
)


@dataclass(frozen=True, slots=True)
class PendingItem:
    seq: int
    value: str
    registered: bool  # the number is already registered (an earlier request, or a sync)


@dataclass(frozen=True, slots=True)
class Decision:
    """An item's outcome: a number to register, or a refusal code."""

    item: PendingItem
    parsed: ParsedNumber | None = None
    info: NumberInfo | None = None
    code: str | None = None


class RegistrationRepository(TenantRepository[BulkTask]):
    model = BulkTask
    noun = "task"

    async def record_items(
        self, task_id: uuid.UUID, values: Sequence[str], codes: Sequence[str | None]
    ) -> None:
        params = {"task_id": task_id, "values": list(values), "codes": list(codes)}
        await run_raw(self.session, _RECORD_ITEMS, params)

    async def next_items(self, task_id: uuid.UUID, limit: int) -> list[PendingItem]:
        params = {**self.tenant_values(), "task_id": task_id, "limit": limit}
        rows = await run_raw(self.session, _NEXT_ITEMS, params)
        return [PendingItem(r["seq"], r["value"], r["registered"] is not None) for r in rows]

    async def register(
        self, task_id: uuid.UUID, provider: str, label: str | None, decisions: list[Decision]
    ) -> int:
        """Registers the decided numbers and records every decision; how many were new."""
        new = [d for d in decisions if d.code is None and d.parsed and d.info]
        arrays: dict[str, list[Any]] = {
            "ids": [new_id() for _ in new],
            "numbers": [d.item.value for d in new],
            "regions": [d.parsed.region_code for d in new if d.parsed],
            "types": [d.parsed.number_type for d in new if d.parsed],
            "assigned": [d.info.assigned for d in new if d.info],
            "sms": [d.info.sms_enabled for d in new if d.info],
            "mms": [d.info.mms_enabled for d in new if d.info],
            "profiles": [d.info.messaging_profile_id for d in new if d.info],
        }
        params = {
            **self.tenant_values(),
            **arrays,
            "task_id": task_id,
            "provider": provider,
            "label": label,
            "seqs": [d.item.seq for d in decisions],
            "values": [d.item.value for d in decisions],
            "codes": [d.code for d in decisions],
        }
        await run_raw(self.session, _REGISTER, params)
        return len(new)
