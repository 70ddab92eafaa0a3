"""Bulk tasks and their items. Items are recorded by the link statements
(``app.links.statements``); their outcomes are read here from the numbers they changed."""

from typing import Any

from sqlalchemy import text

from app.db.models import BulkTask
from app.db.tenancy import TenantRepository

FINDING_KINDS = (
    "missing_at_provider",
    "unknown_to_numlink",
    "wrong_campaign",
    "status_mismatch",
    "not_on_campaign",
)

# An item's outcome, read from its number: rejected at once, or the number's state for as
# long as the number is still at the version this task gave it.
_OUTCOME = """
    CASE WHEN i.code IS NOT NULL THEN 'rejected'
         WHEN t.operation = 'register'
             THEN CASE WHEN i.phone_number_id IS NOT NULL THEN 'registered'
                       WHEN t.phase = 'done' THEN 'failed'
                       ELSE 'pending' END
         WHEN n.id IS NULL OR n.desired_version <> i.desired_version THEN 'failed'
         WHEN n.carrier_line_option_status = 'pending' THEN 'pending'
         WHEN n.carrier_line_option_status = 'failed' THEN 'failed'
         WHEN t.operation IN ('attach', 'audit') AND n.carrier_line_option_status = 'propagated'
             THEN 'propagated'
         WHEN t.operation = 'detach' AND n.carrier_line_option_status IS NULL THEN 'propagated'
         ELSE 'failed' END"""

_ITEM_CODE = """
    CASE WHEN i.code IS NOT NULL THEN i.code
         WHEN t.operation = 'register' THEN CASE
             WHEN i.phone_number_id IS NULL AND t.phase = 'done' THEN 'PROVIDER_ERROR' END
         WHEN n.id IS NULL OR n.desired_version <> i.desired_version THEN 'SUPERSEDED'
         WHEN n.carrier_line_option_status = 'failed' THEN 'PROVIDER_REJECTED'
         END"""

_ITEMS = f"""
SELECT i.seq, coalesce(n.number, i.value) AS number, i.phone_number_id,
       {_OUTCOME} AS outcome, {_ITEM_CODE} AS error_code,
       CASE WHEN n.carrier_line_option_status = 'failed' AND i.code IS NULL
            AND t.operation <> 'register'
            AND n.desired_version = i.desired_version
            THEN n.carrier_line_option_error END AS provider_error,
       n.updated_at AS number_updated_at
FROM bulk_task_items i
JOIN bulk_tasks t ON t.id = i.task_id
LEFT JOIN phone_numbers n ON n.id = i.phone_number_id
WHERE i.task_id = :task_id
"""

COUNTS = f"""
SELECT count(*) AS total,
       count(*) FILTER (WHERE outcome IN ('propagated', 'registered')) AS succeeded,
       count(*) FILTER (WHERE outcome IN ('failed', 'rejected')) AS failed,
       count(*) FILTER (WHERE outcome = 'pending') AS pending,
       max(number_updated_at) AS last_change
FROM ({_ITEMS}) items
"""


# A task's listing (``task_listings``) was filled just now: without fresh statistics the planner
# takes it for empty and may compare 100,000 numbers with 100,000 nested scans.
ANALYZE_LISTINGS = text("ANALYZE task_listings")


class BulkTaskRepository(TenantRepository[BulkTask]):
    model = BulkTask
    noun = "bulk task"

    async def counts(self, task: BulkTask) -> dict[str, Any]:
        row = (await self.session.execute(text(COUNTS), {"task_id": task.id})).mappings()
        return dict(row.one())

    async def items(
        self, task: BulkTask, *, outcome: str | None, after_seq: int | None, limit: int
    ) -> list[dict[str, Any]]:
        stmt = f"SELECT * FROM ({_ITEMS}) items WHERE seq > :after"
        if outcome is not None:
            stmt += " AND outcome = :outcome"
        stmt += " ORDER BY seq LIMIT :limit"
        params = {"task_id": task.id, "after": after_seq or 0, "outcome": outcome, "limit": limit}
        return [dict(r) for r in (await self.session.execute(text(stmt), params)).mappings()]

    async def finding_counts(self, task: BulkTask) -> dict[str, int]:
        stmt = text(
            "SELECT kind, count(*) AS n, count(*) FILTER (WHERE repaired) AS repaired"
            " FROM audit_findings WHERE task_id = :task_id GROUP BY kind"
        )
        counts = {kind: 0 for kind in FINDING_KINDS} | {"total": 0, "repaired": 0}
        for row in (await self.session.execute(stmt, {"task_id": task.id})).mappings():
            counts[row["kind"]] = row["n"]
            counts["total"] += row["n"]
            counts["repaired"] += row["repaired"]
        return counts

    async def count_outcome(self, task: BulkTask, outcome: str) -> int:
        stmt = f"SELECT count(*) FROM ({_ITEMS}) items WHERE outcome = :outcome"
        params = {"task_id": task.id, "outcome": outcome}
        return int((await self.session.execute(text(stmt), params)).scalar_one())
