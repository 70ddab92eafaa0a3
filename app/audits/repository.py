"""Audit statements: a listing page recorded in one statement; the comparison, the repairs
and the clean-up each one statement over the whole audit, when every listing is in."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk.repository import ANALYZE_LISTINGS
from app.db.raw import run_raw
from app.db.tenancy import Tenant
from app.events.statements import emit, line_option_updated
from app.kit.sql import psycopg_params

CAMPAIGN, PROFILE = "campaign", "profile"

_RECORD = psycopg_params(
    """
INSERT INTO task_listings (task_id, listing, campaign_ref, number, state)
SELECT :task_id, :listing, :ref, v.number, v.state
FROM unnest(CAST(:numbers AS text[]), CAST(:states AS text[])) AS v(number, state)
ON CONFLICT DO NOTHING
RETURNING 1
"""
)

_N = "n.org_id = :org_id AND n.mode = :mode"
_SEQ = "(SELECT coalesce(max(seq), 0) FROM audit_findings WHERE task_id = :task_id)"

# What the provider lists, against numlink's rows; numbers with a change in flight (pending)
# are left alone: the reconciler is on them. Then what numlink believes the provider holds
# on the audited campaigns and the provider listed on none of them.
_CAMPAIGN_FINDINGS = psycopg_params(
    f"""
WITH listed AS (
    SELECT l.number, l.state, l.campaign_ref, c.id AS campaign_id
    FROM task_listings l
    LEFT JOIN campaigns c ON c.org_id = :org_id AND c.mode = :mode
         AND c.provider = :provider AND c.provider_campaign_id = l.campaign_ref
    WHERE l.task_id = :task_id AND l.listing = '{CAMPAIGN}'
), compared AS (
    SELECT l.number, n.id AS phone_number_id, n.campaign_id AS numlink_campaign_id,
           l.campaign_ref AS provider_campaign_id,
           CASE WHEN n.id IS NULL THEN 'unknown_to_numlink'
                WHEN coalesce(n.carrier_line_option_status, '') = 'pending' THEN NULL
                WHEN n.campaign_id IS DISTINCT FROM l.campaign_id THEN 'wrong_campaign'
                WHEN (coalesce(n.carrier_line_option_status, '') = 'propagated')
                     <> (l.state = 'linked') THEN 'status_mismatch'
           END AS kind
    FROM listed l LEFT JOIN phone_numbers n ON {_N} AND n.number = l.number
), missing AS (
    SELECT n.number, n.id, n.campaign_id, CAST(NULL AS text), 'missing_at_provider'
    FROM phone_numbers n
    WHERE {_N} AND n.campaign_id = ANY(CAST(:campaign_ids AS uuid[]))
      AND n.carrier_line_option_status = 'propagated'
      AND NOT EXISTS (SELECT 1 FROM task_listings l WHERE l.task_id = :task_id
                      AND l.listing = '{CAMPAIGN}' AND l.number = n.number)
), found AS (
    SELECT number, phone_number_id, numlink_campaign_id, provider_campaign_id, kind
    FROM compared WHERE kind IS NOT NULL
    UNION ALL SELECT * FROM missing
)
INSERT INTO audit_findings (task_id, seq, number, phone_number_id, kind, numlink_campaign_id,
                            provider_campaign_id)
SELECT :task_id, {_SEQ} + row_number() OVER (ORDER BY kind, number), number, phone_number_id,
       kind, numlink_campaign_id, provider_campaign_id
FROM found
RETURNING 1
"""
)

# A pool number the provider does not hold (or is not linking) on the profile's campaign, and
# that no other finding explains already.
_PROFILE_FINDINGS = psycopg_params(
    f"""
INSERT INTO audit_findings (task_id, seq, number, phone_number_id, kind, numlink_campaign_id)
SELECT :task_id, {_SEQ} + row_number() OVER (ORDER BY p.number), p.number, n.id,
       'not_on_campaign', n.campaign_id
FROM task_listings p LEFT JOIN phone_numbers n ON {_N} AND n.number = p.number
WHERE p.task_id = :task_id AND p.listing = '{PROFILE}'
  AND NOT EXISTS (SELECT 1 FROM task_listings l WHERE l.task_id = :task_id
                  AND l.listing = '{CAMPAIGN}' AND l.number = p.number
                  AND l.state IN ('linked', 'pending'))
  AND NOT EXISTS (SELECT 1 FROM audit_findings f WHERE f.task_id = :task_id
                  AND f.number = p.number)
  AND NOT (n.campaign_id IS NOT DISTINCT FROM CAST(:campaign_id AS uuid)
           AND coalesce(n.carrier_line_option_status, '') = 'pending')
RETURNING 1
"""
)

# Repairs hand each number back to the reconciler, never to the provider directly: the row is
# made due in the confirm phase, so the reconciler first reads what the provider holds (which
# may be a campaign outside the audit) and then links, moves or unlinks until the provider
# holds the desired state. A link the provider reports failed is submitted again.
_REQUEUE = """
    carrier_line_option_status = 'pending', carrier_line_option_error = NULL,
    carrier_line_option_propagated_at = NULL, next_attempt_at = clock_timestamp(),
    attempts = 0, updated_at = clock_timestamp(), bulk_task_id = NULL"""

_REPAIR = psycopg_params(
    f"""
WITH fixed AS (
    UPDATE phone_numbers n SET
        linked_campaign_ref = CASE
            WHEN f.kind = 'missing_at_provider' OR l.state = 'failed' THEN NULL
            ELSE f.provider_campaign_id END,
        sync_phase = CASE WHEN l.state = 'failed' THEN 'submit' ELSE 'confirm' END,
        {_REQUEUE}
    FROM audit_findings f
    LEFT JOIN task_listings l ON l.task_id = f.task_id AND l.listing = '{CAMPAIGN}'
         AND l.number = f.number AND l.campaign_ref = f.provider_campaign_id,
         phone_numbers o  -- the row as it was, for the event
    WHERE f.task_id = :task_id
      AND f.kind IN ('missing_at_provider', 'wrong_campaign', 'status_mismatch')
      AND n.id = f.phone_number_id AND {_N} AND n.lease_owner IS NULL
      AND coalesce(n.carrier_line_option_status, '') <> 'pending' AND o.id = n.id
    RETURNING n.*, o.carrier_line_option_status AS previous_status
), {emit("emitted", "fixed", [line_option_updated("s.previous_status")])}
UPDATE audit_findings SET repaired = true
WHERE task_id = :task_id AND phone_number_id IN (SELECT id FROM fixed)
RETURNING 1
"""
)

# Pool strays linked by the bulk attach statement (items of the audit task): repaired when the
# attach rules let the link through.
_STRAYS = text(
    "SELECT phone_number_id FROM audit_findings"
    " WHERE task_id = :task_id AND kind = 'not_on_campaign' AND phone_number_id IS NOT NULL"
    " ORDER BY seq"
)
_STRAYS_REPAIRED = text(
    """
UPDATE audit_findings f SET repaired = true
FROM bulk_task_items i
WHERE f.task_id = :task_id AND f.kind = 'not_on_campaign' AND i.task_id = f.task_id
  AND i.phone_number_id = f.phone_number_id AND i.code IS NULL
"""
)

_FORGET_LISTINGS = text("DELETE FROM task_listings WHERE task_id = :task_id")

_FINDINGS_PAGE = text(
    """
SELECT seq, number, phone_number_id, kind, numlink_campaign_id, provider_campaign_id, repaired
FROM audit_findings
WHERE task_id = :task_id AND seq > :after AND (CAST(:kind AS text) IS NULL OR kind = :kind)
ORDER BY seq LIMIT :limit
"""
)
_FINDINGS_TOTAL = text(
    "SELECT count(*) FROM audit_findings"
    " WHERE task_id = :task_id AND (CAST(:kind AS text) IS NULL OR kind = :kind)"
)


class AuditRepository:
    """Statements of one audit task; the task was read tenant-scoped before."""

    def __init__(self, session: AsyncSession, tenant: Tenant, task_id: uuid.UUID) -> None:
        self.session = session
        self.params: dict[str, Any] = {
            "org_id": tenant.org_id,
            "mode": tenant.mode.value,
            "task_id": task_id,
        }

    async def record(self, listing: str, ref: str, numbers: Sequence[tuple[str, str]]) -> None:
        if not numbers:
            return
        params = {
            **self.params,
            "listing": listing,
            "ref": ref,
            "numbers": [n for n, _ in numbers],
            "states": [s for _, s in numbers],
        }
        await run_raw(self.session, _RECORD, params)

    async def compare(
        self, provider: str, campaign_ids: list[uuid.UUID], pool_campaign: uuid.UUID | None
    ) -> None:
        params = {**self.params, "provider": provider, "campaign_ids": campaign_ids}
        await self.session.execute(ANALYZE_LISTINGS)
        await run_raw(self.session, _CAMPAIGN_FINDINGS, params)
        if pool_campaign is not None:
            await run_raw(
                self.session, _PROFILE_FINDINGS, {**self.params, "campaign_id": pool_campaign}
            )

    async def repair(self) -> None:
        await run_raw(self.session, _REPAIR, self.params)

    async def strays(self) -> list[uuid.UUID]:
        rows = await self.session.execute(_STRAYS, self.params)
        return [r[0] for r in rows]

    async def mark_strays_repaired(self) -> None:
        await self.session.execute(_STRAYS_REPAIRED, self.params)

    async def forget_listings(self) -> None:
        await self.session.execute(_FORGET_LISTINGS, self.params)

    async def findings(self, kind: str | None, after: int, limit: int) -> list[dict[str, Any]]:
        params = {**self.params, "kind": kind, "after": after, "limit": limit}
        return [dict(r) for r in (await self.session.execute(_FINDINGS_PAGE, params)).mappings()]

    async def total(self, kind: str | None) -> int:
        params = {**self.params, "kind": kind}
        return int((await self.session.execute(_FINDINGS_TOTAL, params)).scalar_one())
