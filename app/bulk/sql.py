"""Bulk attach and detach as single statements over the whole request.

Each statement takes the request's items as arrays, ranks duplicates, locks the org's matching
numbers in id order (so concurrent bulk requests cannot deadlock), decides every item by the
same ordered rules as the single attach, updates the numbers that change and records every
item, all in one round trip. It returns the count of items per verdict.
"""

from app.numbers.sql import NOTHING_TO_UNDO, REQUEUE, psycopg_params

# Run before a bulk statement, in its transaction. JIT compiling it costs more than it saves
# (the planner expects far more rows than 100,000), and its sorts fit in memory, not on disk.
STATEMENT_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")

# Request items: the value as given, the id it parsed to (phone_number_ids) and any rejection
# found before the database (malformed values).
_INPUT = """
input AS (
    SELECT v.seq::int AS seq, v.value, v.given_id, v.pre_code
    FROM unnest(CAST(:values AS text[]), CAST(:ids AS uuid[]), CAST(:codes AS text[]))
         WITH ORDINALITY AS v(value, given_id, pre_code, seq)
), ranked AS (
    SELECT input.*, row_number() OVER (PARTITION BY {key} ORDER BY seq) AS nth FROM input
), matched AS (
    SELECT p.id, p.number, p.assigned, p.provider, p.region_code, p.number_type,
           p.campaign_id, p.carrier_line_option_status, p.desired_version
    FROM phone_numbers p
    WHERE p.org_id = :org_id AND p.mode = :mode AND {match}
    ORDER BY p.id
    FOR UPDATE
)"""

_BY_ID = {
    "key": "coalesce(given_id::text, value)",
    "match": "p.id = ANY(CAST(:ids AS uuid[]))",
    "join": "m.id = r.given_id",
}
_BY_NUMBER = {
    "key": "value",
    "match": "p.number = ANY(CAST(:values AS text[]))",
    "join": "m.number = r.value",
}

_ATTACH_RULES = """
    CASE WHEN r.pre_code IS NOT NULL THEN r.pre_code
         WHEN r.nth > 1 THEN 'DUPLICATE_IN_REQUEST'
         WHEN m.id IS NULL THEN 'NOT_FOUND'
         WHEN NOT m.assigned THEN 'NUMBER_NOT_ASSIGNED'
         WHEN m.provider <> :campaign_provider THEN 'PROVIDER_MISMATCH'
         WHEN NOT (coalesce(m.region_code, '') = 'US' AND m.number_type IN ('local', 'mobile'))
             THEN 'NUMBER_NOT_ELIGIBLE'
         WHEN m.campaign_id IS NOT DISTINCT FROM :campaign_id
              AND coalesce(m.carrier_line_option_status, '') IN ('pending', 'propagated')
             THEN 'UNCHANGED'
         ELSE 'CHANGED' END"""

_DETACH_RULES = """
    CASE WHEN r.pre_code IS NOT NULL THEN r.pre_code
         WHEN r.nth > 1 THEN 'DUPLICATE_IN_REQUEST'
         WHEN m.id IS NULL THEN 'NOT_FOUND'
         WHEN m.campaign_id IS DISTINCT FROM :campaign_id THEN 'NOT_ON_CAMPAIGN'
         ELSE 'CHANGED' END"""

_ATTACH_SET = """
        campaign_id = :campaign_id,
        carrier_line_option_status = 'pending',
        sync_phase = '{phase}',
        next_attempt_at = CASE WHEN p.lease_owner IS NULL THEN now() ELSE p.next_attempt_at END,
        {requeue}"""

_DETACH_SET = f"""
        campaign_id = NULL,
        carrier_line_option_status = CASE WHEN {NOTHING_TO_UNDO} THEN NULL ELSE 'pending' END,
        sync_phase = CASE WHEN {NOTHING_TO_UNDO} THEN NULL ELSE 'submit' END,
        next_attempt_at = CASE
            WHEN {NOTHING_TO_UNDO} THEN NULL
            WHEN p.lease_owner IS NULL THEN now()
            ELSE p.next_attempt_at END,
        {REQUEUE}"""


def _statement(by: dict[str, str], rules: str, set_clause: str) -> str:
    return psycopg_params(
        f"""
WITH {_INPUT.format(**by)}, verdict AS (
    SELECT r.seq, r.value, m.id AS number_id, m.number, m.desired_version,
           {rules} AS outcome
    FROM ranked r LEFT JOIN matched m ON {by["join"]}
), changed AS (
    UPDATE phone_numbers p SET {set_clause}
    FROM verdict v
    WHERE v.outcome = 'CHANGED' AND p.id = v.number_id
    RETURNING p.id, p.desired_version
), recorded AS (
    INSERT INTO bulk_task_items (task_id, seq, value, phone_number_id, desired_version, code)
    SELECT :task_id, v.seq, v.value, v.number_id,
           coalesce(c.desired_version, v.desired_version),
           CASE WHEN v.outcome IN ('CHANGED', 'UNCHANGED') THEN NULL ELSE v.outcome END
    FROM verdict v LEFT JOIN changed c ON c.id = v.number_id AND v.outcome = 'CHANGED'
    RETURNING 1
)
SELECT v.outcome, count(*) AS items FROM verdict v GROUP BY v.outcome
"""
    )


_SUBMIT = _ATTACH_SET.format(phase="submit", requeue=REQUEUE)
ATTACH_BY_ID = _statement(_BY_ID, _ATTACH_RULES, _SUBMIT)
ATTACH_BY_NUMBER = _statement(_BY_NUMBER, _ATTACH_RULES, _SUBMIT)
# Numbers a provider's own bulk task (Telnyx, by messaging profile) was asked to link: the
# reconciler starts by looking at what the provider holds, rather than linking them again.
ATTACH_BY_PROFILE = _statement(
    _BY_NUMBER, _ATTACH_RULES, _ATTACH_SET.format(phase="confirm", requeue=REQUEUE)
)
DETACH_BY_ID = _statement(_BY_ID, _DETACH_RULES, _DETACH_SET)
DETACH_BY_NUMBER = _statement(_BY_NUMBER, _DETACH_RULES, _DETACH_SET)


# An item's outcome, read from its number: rejected at once, or the number's state for as
# long as the number is still at the version this task gave it.
_OUTCOME = """
    CASE WHEN i.code IS NOT NULL THEN 'rejected'
         WHEN n.id IS NULL OR n.desired_version <> i.desired_version THEN 'failed'
         WHEN n.carrier_line_option_status = 'pending' THEN 'pending'
         WHEN n.carrier_line_option_status = 'failed' THEN 'failed'
         WHEN t.operation = 'attach' AND n.carrier_line_option_status = 'propagated'
             THEN 'propagated'
         WHEN t.operation = 'detach' AND n.carrier_line_option_status IS NULL THEN 'propagated'
         ELSE 'failed' END"""

_ITEM_CODE = """
    CASE WHEN i.code IS NOT NULL THEN i.code
         WHEN n.id IS NULL OR n.desired_version <> i.desired_version THEN 'SUPERSEDED'
         WHEN n.carrier_line_option_status = 'failed' THEN 'PROVIDER_REJECTED'
         END"""

ITEMS = f"""
SELECT i.seq, coalesce(n.number, i.value) AS number, i.phone_number_id,
       {_OUTCOME} AS outcome, {_ITEM_CODE} AS error_code,
       CASE WHEN n.carrier_line_option_status = 'failed' AND i.code IS NULL
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
       count(*) FILTER (WHERE outcome = 'propagated') AS succeeded,
       count(*) FILTER (WHERE outcome IN ('failed', 'rejected')) AS failed,
       count(*) FILTER (WHERE outcome = 'pending') AS pending,
       max(number_updated_at) AS last_change
FROM ({ITEMS}) items
"""
