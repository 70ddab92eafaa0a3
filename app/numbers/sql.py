"""The attach and detach statements: every check, the lock and the write in one round trip.

The number row is locked (``FOR UPDATE``) before the verdict is computed, so concurrent
attaches to one number serialise and each sees the previous one's result.
"""

import re


def psycopg_params(sql: str) -> str:
    """``:name`` placeholders (readable) to psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


ACTIVE_BRAND = "('VERIFIED', 'VETTED_VERIFIED')"

# A change while a worker holds the row keeps the lease's expiry as the next attempt: the
# worker's write-back sees the new version and makes the row due again at once.
REQUEUE = """
    desired_version = p.desired_version + 1,
    carrier_line_option_error = NULL,
    carrier_line_option_propagated_at = NULL,
    attempts = 0,
    updated_at = now()"""

# The number, tenant-scoped and locked before any verdict is computed.
_LOCKED_NUMBER = """
    SELECT p.* FROM phone_numbers p
    WHERE p.id = :number_id AND p.org_id = :org_id AND p.mode = :mode
    FOR UPDATE
"""

# The update applies only to that number and only when the verdict says something changes.
_IF_CHANGED = """
    FROM verdict
    WHERE verdict.outcome = 'CHANGED'
      AND p.id = :number_id AND p.org_id = :org_id AND p.mode = :mode
    RETURNING p.*
"""

# The row as changed, or as it was when nothing changed; no row on a rejection.
_RESULT = """
SELECT verdict.outcome, row.* FROM verdict
LEFT JOIN (
    SELECT * FROM changed
    UNION ALL
    SELECT num.* FROM num, verdict WHERE verdict.outcome = 'UNCHANGED'
) row ON true
"""

ATTACH = psycopg_params(
    f"""
WITH camp AS (
    SELECT c.id, c.status, c.provider, c.provider_campaign_id, b.identity_status
    FROM campaigns c JOIN brands b ON b.id = c.brand_id
    WHERE c.id = :campaign_id AND c.org_id = :org_id AND c.mode = :mode
), num AS (
{_LOCKED_NUMBER}), verdict AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM camp) THEN 'CAMPAIGN_NOT_FOUND'
        WHEN (SELECT status <> 'ACTIVE' FROM camp) THEN 'CAMPAIGN_NOT_ACTIVE'
        WHEN (SELECT identity_status NOT IN {ACTIVE_BRAND} FROM camp) THEN 'BRAND_NOT_VERIFIED'
        WHEN NOT EXISTS (SELECT 1 FROM num) THEN 'NUMBER_NOT_FOUND'
        WHEN (SELECT NOT assigned FROM num) THEN 'NUMBER_NOT_ASSIGNED'
        WHEN (SELECT num.provider <> camp.provider FROM num, camp) THEN 'PROVIDER_MISMATCH'
        WHEN (SELECT NOT (coalesce(region_code, '') = 'US' AND number_type IN ('local', 'mobile'))
              FROM num) THEN 'NUMBER_NOT_ELIGIBLE'
        WHEN (SELECT campaign_id IS NOT DISTINCT FROM :campaign_id
                     AND coalesce(carrier_line_option_status, '') IN ('pending', 'propagated')
              FROM num) THEN 'UNCHANGED'
        ELSE 'CHANGED'
    END AS outcome
), changed AS (
    UPDATE phone_numbers p SET
        campaign_id = :campaign_id,
        carrier_line_option_status = 'pending',
        sync_phase = 'submit',
        next_attempt_at = CASE WHEN p.lease_owner IS NULL THEN now() ELSE p.next_attempt_at END,
        {REQUEUE}
{_IF_CHANGED})
{_RESULT}"""
)

# Nothing to undo at the provider (never submitted, no worker on it): settle at once.
NOTHING_TO_UNDO = (
    "p.linked_campaign_ref IS NULL AND p.lease_owner IS NULL "
    "AND p.sync_phase IS DISTINCT FROM 'confirm'"
)

DETACH = psycopg_params(
    f"""
WITH num AS (
{_LOCKED_NUMBER}), verdict AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM num) THEN 'NUMBER_NOT_FOUND'
        WHEN (SELECT campaign_id IS NULL
                     AND coalesce(carrier_line_option_status, '') <> 'failed' FROM num)
            THEN 'UNCHANGED'
        ELSE 'CHANGED'
    END AS outcome
), changed AS (
    UPDATE phone_numbers p SET
        campaign_id = NULL,
        carrier_line_option_status =
            CASE WHEN {NOTHING_TO_UNDO} THEN NULL ELSE 'pending' END,
        sync_phase = CASE WHEN {NOTHING_TO_UNDO} THEN NULL ELSE 'submit' END,
        next_attempt_at = CASE
            WHEN {NOTHING_TO_UNDO} THEN NULL
            WHEN p.lease_owner IS NULL THEN now()
            ELSE p.next_attempt_at END,
        {REQUEUE}
{_IF_CHANGED})
{_RESULT}"""
)
