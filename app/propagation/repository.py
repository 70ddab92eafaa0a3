"""The reconciler's queries: claim due rows under a lease, write outcomes back guarded."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# clock_timestamp(), not now(): schedules are about wall time, not transaction start.
# Part of every claim is reserved for status checks (confirm phase): otherwise, behind a
# backlog of a million new submissions, no number would be confirmed until all were submitted.
_CLAIM = text(
    """
WITH checked_at AS (
    SELECT clock_timestamp() AS t  -- once, so the indexes bound the scans
), confirming AS (
    SELECT id, lease_owner IS NOT NULL AS reclaimed
    FROM phone_numbers
    WHERE sync_phase = 'confirm' AND next_attempt_at <= (SELECT t FROM checked_at)
    ORDER BY next_attempt_at
    LIMIT :confirm_limit
    FOR UPDATE SKIP LOCKED
), oldest AS (
    SELECT id, lease_owner IS NOT NULL AS reclaimed
    FROM phone_numbers
    WHERE next_attempt_at <= (SELECT t FROM checked_at)
      AND id NOT IN (SELECT id FROM confirming)
    ORDER BY next_attempt_at
    LIMIT (:limit - (SELECT count(*) FROM confirming))
    FOR UPDATE SKIP LOCKED
), due AS (
    SELECT * FROM confirming UNION ALL SELECT * FROM oldest
)
UPDATE phone_numbers p
SET lease_owner = :token, next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM due
WHERE p.id = due.id
RETURNING p.id, p.org_id, p.mode, p.number, p.provider, p.desired_version,
          p.linked_campaign_ref, p.sync_phase, p.attempts, due.reclaimed,
          (SELECT c.provider_campaign_id FROM campaigns c WHERE c.id = p.campaign_id)
              AS desired_ref
"""
)

# Provider-known state is always recorded (the call happened); the user-visible status only
# if the desired state is still the one the worker acted on. Otherwise the row is due again.
_WRITE_BACK = text(
    """
UPDATE phone_numbers SET
    linked_campaign_ref = CAST(:linked_ref AS text),
    lease_owner = NULL,
    sync_phase = CASE WHEN desired_version = :version THEN CAST(:phase AS varchar)
                      ELSE 'submit' END,
    next_attempt_at = CASE
        WHEN desired_version <> :version THEN clock_timestamp()
        WHEN CAST(:next_in_s AS float8) IS NULL THEN NULL
        ELSE clock_timestamp() + make_interval(secs => CAST(:next_in_s AS float8)) END,
    attempts = CASE WHEN desired_version = :version THEN :attempts ELSE 0 END,
    updated_at = CASE
        WHEN desired_version = :version
             AND (carrier_line_option_status IS DISTINCT FROM CAST(:status AS varchar)
                  OR carrier_line_option_error IS DISTINCT FROM CAST(:error AS text))
        THEN clock_timestamp() ELSE updated_at END,
    carrier_line_option_status = CASE WHEN desired_version = :version
        THEN CAST(:status AS varchar) ELSE carrier_line_option_status END,
    carrier_line_option_error = CASE WHEN desired_version = :version
        THEN CAST(:error AS text) ELSE carrier_line_option_error END,
    carrier_line_option_propagated_at = CASE
        WHEN desired_version <> :version THEN carrier_line_option_propagated_at
        WHEN :propagated THEN coalesce(carrier_line_option_propagated_at, clock_timestamp())
        ELSE NULL END
WHERE id = :id AND lease_owner = :token
RETURNING desired_version = :version AS current
"""
)


@dataclass(frozen=True, slots=True)
class WorkItem:
    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    number: str
    provider: str
    desired_version: int
    desired_ref: str | None
    linked_ref: str | None
    phase: str | None
    attempts: int
    reclaimed: bool
    token: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step leaves on the row. ``next_in_s`` None means no further work."""

    linked_ref: str | None
    status: str | None
    phase: str | None
    next_in_s: float | None
    attempts: int = 0
    error: str | None = None
    propagated: bool = False


async def claim(session: AsyncSession, token: str, limit: int, lease_s: float) -> list[WorkItem]:
    params = {
        "token": token,
        "limit": limit,
        "confirm_limit": max(1, limit // 2),
        "lease_s": lease_s,
    }
    rows = (await session.execute(_CLAIM, params)).mappings()
    return [
        WorkItem(
            id=r["id"],
            org_id=r["org_id"],
            mode=r["mode"],
            number=r["number"],
            provider=r["provider"],
            desired_version=r["desired_version"],
            desired_ref=r["desired_ref"],
            linked_ref=r["linked_campaign_ref"],
            phase=r["sync_phase"],
            attempts=r["attempts"],
            reclaimed=r["reclaimed"],
            token=token,
        )
        for r in rows
    ]


async def write_back(session: AsyncSession, item: WorkItem, outcome: Outcome) -> bool | None:
    """Returns True if applied, False if the desired state moved on, None if the lease was lost."""
    params: dict[str, Any] = {
        "id": item.id,
        "token": item.token,
        "version": item.desired_version,
        "linked_ref": outcome.linked_ref,
        "status": outcome.status,
        "error": outcome.error,
        "phase": outcome.phase,
        "next_in_s": outcome.next_in_s,
        "attempts": outcome.attempts,
        "propagated": outcome.propagated,
    }
    row = (await session.execute(_WRITE_BACK, params)).first()
    return None if row is None else bool(row[0])


async def has_scheduled_work(session: AsyncSession) -> bool:
    found = await session.execute(
        text(
            "SELECT 1 FROM phone_numbers WHERE next_attempt_at IS NOT NULL"
            " UNION ALL SELECT 1 FROM bulk_tasks WHERE next_attempt_at IS NOT NULL LIMIT 1"
        )
    )
    return found.first() is not None
