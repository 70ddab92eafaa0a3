"""The fair claim of due webhook deliveries: no tenant's slow or dead receivers can take the
slots another tenant's deliveries need.

A tenant is an org in one mode (test apart from live). One claim, in one statement:

* counts the deliveries in flight (leased, lease not expired) per target (``target_key``: an
  endpoint, or a ``status_url`` host of one org and mode) and per tenant, across every worker;
* takes the tenants with due rows that may go now (target and tenant under their caps), the
  longest-waiting first, and from each at most a bounded slice of its oldest due rows whose
  target is under ``webhook_endpoint_concurrency``;
* ranks each row within its target and its tenant, counting what is already in flight, and
  keeps only those under both caps (``webhook_tenant_concurrency``);
* orders them round-robin (every tenant's first row, then every tenant's second...) up to the
  claim's size, locks them ``SKIP LOCKED`` and leases them.

Claims are serialised by a transaction-level advisory lock, so two workers claiming at once
cannot both fill a target's last free slot: the caps hold across workers. A claim is one short
statement, so the lock is held for milliseconds. A hanging receiver therefore holds at most its
cap of slots, for at most ``webhook_timeout_s`` each, and every other tenant's due rows are
claimed by the next claim.
"""

from typing import Any

from sqlalchemy import TextClause, text

# any constant: the one lock every webhook claim takes
CLAIM_LOCK = 0x6E6C_7768  # "nlwh"

# how many due rows of one tenant a claim looks at (before the caps), so a tenant with a huge
# backlog costs a claim a bounded scan
TENANT_SCAN = 64


def fair_claim_sql(returning: str) -> TextClause:
    """``returning``: what to return of each leased row ``t`` (besides ``reclaimed``)."""
    return text(
        f"""
WITH checked_at AS MATERIALIZED (SELECT clock_timestamp() AS t),
in_flight AS MATERIALIZED (
    SELECT target_key, org_id, mode FROM webhook_deliveries
    WHERE lease_owner IS NOT NULL AND next_attempt_at > (SELECT t FROM checked_at)
),
full_targets AS (
    SELECT target_key FROM in_flight GROUP BY target_key HAVING count(*) >= :target_cap
),
full_tenants AS (
    SELECT org_id, mode FROM in_flight GROUP BY org_id, mode HAVING count(*) >= :tenant_cap
),
-- only tenants with a row that may go now: blocked ones must not take the places
tenants AS (
    SELECT org_id, mode FROM webhook_deliveries
    WHERE next_attempt_at <= (SELECT t FROM checked_at)
      AND target_key NOT IN (SELECT target_key FROM full_targets)
      AND (org_id, mode) NOT IN (SELECT org_id, mode FROM full_tenants)
    GROUP BY org_id, mode
    ORDER BY min(next_attempt_at)
    LIMIT :tenants
),
candidates AS (
    SELECT c.* FROM tenants tn CROSS JOIN LATERAL (
        SELECT d.id, d.org_id, d.mode, d.target_key, d.next_attempt_at
        FROM webhook_deliveries d
        WHERE d.org_id = tn.org_id AND d.mode = tn.mode
          AND d.next_attempt_at <= (SELECT t FROM checked_at)
          AND d.target_key NOT IN (SELECT target_key FROM full_targets)
        ORDER BY d.next_attempt_at
        LIMIT {TENANT_SCAN}
    ) c
),
ranked AS (
    SELECT c.id, c.next_attempt_at,
        row_number() OVER (PARTITION BY c.target_key ORDER BY c.next_attempt_at)
          + (SELECT count(*) FROM in_flight f WHERE f.target_key = c.target_key)
          AS target_rank,
        row_number() OVER (PARTITION BY c.org_id, c.mode ORDER BY c.next_attempt_at)
          AS tenant_rank,
        (SELECT count(*) FROM in_flight f WHERE f.org_id = c.org_id AND f.mode = c.mode)
          AS tenant_busy
    FROM candidates c
),
chosen AS (
    SELECT id FROM ranked
    WHERE target_rank <= :target_cap AND tenant_rank + tenant_busy <= :tenant_cap
    ORDER BY tenant_rank, next_attempt_at
    LIMIT :limit
),
due AS (
    SELECT id, lease_owner IS NOT NULL AS reclaimed FROM webhook_deliveries
    WHERE id IN (SELECT id FROM chosen) AND next_attempt_at <= (SELECT t FROM checked_at)
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries t
SET lease_owner = :token, next_attempt_at = clock_timestamp() + make_interval(secs => :lease_s)
FROM due
WHERE t.id = due.id
RETURNING due.reclaimed, {returning}"""
    )


LOCK_SQL = text("SELECT pg_advisory_xact_lock(:key)")


def fair_claim_params(
    token: str, limit: int, lease_s: float, target_cap: int, tenant_cap: int
) -> dict[str, Any]:
    return {
        "token": token,
        "limit": limit,
        "lease_s": lease_s,
        "target_cap": target_cap,
        "tenant_cap": tenant_cap,
        # enough tenants that a full claim can come from distinct ones
        "tenants": max(limit, 1),
    }
