"""The link statements: every rule, the row locks and the write in one round trip.

A number row is locked (``FOR UPDATE``) before its verdict is computed, so concurrent attaches
to one number serialise and each sees the previous one's result; a bulk statement locks its
numbers in id order, so concurrent bulk requests cannot deadlock. The rules themselves are in
``app.links.rules``.
"""

from dataclasses import dataclass

from app.events.statements import (
    emit,
    link_events,
    settle_tasks,
    task_finished,
    write_events,
)
from app.kit.sql import psycopg_params
from app.links.rules import (
    CHANGED,
    UNCHANGED,
    attach_number_rules,
    campaign_rules,
    detach_from_campaign_rules,
    detach_number_rules,
)

# A change resets the reconciler's bookkeeping. One made while a worker holds the row keeps the
# lease's expiry as the next attempt: the worker's write-back sees the new version and makes
# the row due again at once.
_REQUEUE = """
        desired_version = p.desired_version + 1,
        carrier_line_option_error = NULL,
        carrier_line_option_propagated_at = NULL,
        attempts = 0,
        updated_at = now()"""

# Nothing to undo at the provider (never submitted, no worker on it): a detach settles at once.
_NOTHING_TO_UNDO = (
    "p.linked_campaign_ref IS NULL AND p.lease_owner IS NULL "
    "AND p.sync_phase IS DISTINCT FROM 'confirm'"
)

_ATTACH_SET = """
        campaign_id = :campaign_id,
        carrier_line_option_status = 'pending',
        sync_phase = '{phase}',
        next_attempt_at = CASE WHEN p.lease_owner IS NULL THEN now() ELSE p.next_attempt_at END,
        """ + _REQUEUE.lstrip()

_DETACH_SET = f"""
        campaign_id = NULL,
        carrier_line_option_status = CASE WHEN {_NOTHING_TO_UNDO} THEN NULL ELSE 'pending' END,
        sync_phase = CASE WHEN {_NOTHING_TO_UNDO} THEN NULL ELSE 'submit' END,
        next_attempt_at = CASE
            WHEN {_NOTHING_TO_UNDO} THEN NULL
            WHEN p.lease_owner IS NULL THEN now()
            ELSE p.next_attempt_at END,
        {_REQUEUE.lstrip()}"""

# The campaign with its brand's identity (none: shared), tenant-scoped (no row when there is
# no such campaign).
_CAMPAIGN = """
    SELECT c.id, c.status, c.shared, c.provider, c.provider_campaign_id, b.identity_status
    FROM campaigns c LEFT JOIN brands b ON b.id = c.brand_id
    WHERE c.id = :campaign_id AND c.org_id = :org_id AND c.mode = :mode
"""

CHECK_CAMPAIGN = psycopg_params(
    f"""
WITH camp AS ({_CAMPAIGN})
SELECT camp.id, camp.provider, {campaign_rules("camp")} AS verdict
FROM (SELECT 1) one LEFT JOIN camp ON true
"""
)


# ---- one number ------------------------------------------------------------------------------


_LINK_EVENTS = link_events("s.previous_campaign_id", "s.previous_status")


def _link_change(moved: str) -> str:
    """The change's events and their deliveries, in the same statement (one INSERT each,
    nothing when nothing changed). ``moved``: the changed rows with ``previous_campaign_id``
    and ``previous_status``."""
    return emit("emitted", moved, _LINK_EVENTS)


# What the lean statement answers instead of making a change that has more to write than its
# event: the complete statement then makes it (nothing was written).
MORE_TO_WRITE = "MORE_TO_WRITE"

# A change has more to write when its event has somewhere to go (an endpoint of the tenant, the
# number's status_url) or it supersedes a number pending for a bulk task (a count-down).
_MORE_TO_WRITE_IF = """(num.status_url IS NOT NULL
        OR (num.bulk_task_id IS NOT NULL AND num.carrier_line_option_status = 'pending')
        OR EXISTS (SELECT 1 FROM webhook_endpoints w
                   WHERE w.org_id = :org_id AND w.mode = :mode AND w.disabled_at IS NULL))"""


def _single(verdict: str, set_clause: str, *, complete: bool, campaign: str = "") -> str:
    """The single-number statement: the row as changed, or as it was when nothing changed;
    no row on a rejection. Always one statement, so it is its own transaction.

    The complete statement writes everything a change can cause: its event, the event's
    deliveries and a bulk task's count-down. Their INSERT and UPDATE nodes cost ~150 us even
    when no row comes (each opens and locks its table and indexes), so the lean statement
    writes the event alone and answers ``MORE_TO_WRITE`` when that would not be all."""
    if complete:
        writes = f"{_link_change('moved')}, {settle_tasks('moved', 's.previous_status')}"
        applies = f"verdict.outcome = '{CHANGED}'"
        outcome = "verdict.outcome"
    else:
        writes = write_events("emitted", "moved", _LINK_EVENTS)
        applies = f"verdict.outcome = '{CHANGED}' AND NOT verdict.more_to_write"
        outcome = (
            f"CASE WHEN verdict.outcome = '{CHANGED}' AND verdict.more_to_write"
            f" THEN '{MORE_TO_WRITE}' ELSE verdict.outcome END"
        )
    return psycopg_params(
        f"""
WITH {campaign}num AS (
    SELECT p.* FROM phone_numbers p
    WHERE p.id = :number_id AND p.org_id = :org_id AND p.mode = :mode
    FOR UPDATE
), verdict AS (
    SELECT {verdict} AS outcome, {_MORE_TO_WRITE_IF} AS more_to_write
    FROM (SELECT 1) one {"LEFT JOIN camp ON true" if campaign else ""} LEFT JOIN num ON true
), changed AS (
    UPDATE phone_numbers p SET {set_clause}, bulk_task_id = NULL
    FROM verdict
    WHERE {applies}
      AND p.id = :number_id AND p.org_id = :org_id AND p.mode = :mode
    RETURNING p.*
), moved AS (
    SELECT changed.*, num.campaign_id AS previous_campaign_id,
           num.carrier_line_option_status AS previous_status,
           num.bulk_task_id AS previous_bulk_task_id
    FROM changed, num
), {writes}
SELECT {outcome} AS outcome, verdict.more_to_write, row.*,
       (SELECT c.status FROM campaigns c WHERE c.id = row.campaign_id) AS campaign_status
FROM verdict
LEFT JOIN (
    SELECT * FROM changed
    UNION ALL
    SELECT num.* FROM num, verdict WHERE verdict.outcome = '{UNCHANGED}'
) row ON true
"""
    )


_ATTACH_VERDICT = f"""coalesce({campaign_rules("camp")},
        CASE {attach_number_rules("num", ":campaign_id", "camp.provider")}
             ELSE '{CHANGED}' END)"""
# the campaign row is locked (as a foreign key check would): it cannot go before commit
_LOCKED_CAMPAIGN = f"camp AS ({_CAMPAIGN}    FOR KEY SHARE OF c\n), "
_DETACH_VERDICT = f"CASE {detach_number_rules('num')} ELSE '{CHANGED}' END"


@dataclass(frozen=True, slots=True)
class SingleStatements:
    lean: str
    complete: str


def _pair(verdict: str, set_clause: str, campaign: str = "") -> SingleStatements:
    return SingleStatements(
        _single(verdict, set_clause, complete=False, campaign=campaign),
        _single(verdict, set_clause, complete=True, campaign=campaign),
    )


ATTACH = _pair(_ATTACH_VERDICT, _ATTACH_SET.format(phase="submit"), _LOCKED_CAMPAIGN)
DETACH = _pair(_DETACH_VERDICT, _DETACH_SET)


# ---- many numbers ----------------------------------------------------------------------------

# Run before a bulk statement, in its transaction. JIT compiling it costs more than it saves
# (the planner expects far more rows than 100,000), and its sorts fit in memory, not on disk.
BULK_SETUP = ("SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'")

# Request items: the value as given, the id it parsed to (phone_number_ids) and any rejection
# found before the database (malformed values); duplicates ranked; the org's matching numbers
# locked in id order.
_INPUT = """
input AS (
    SELECT v.seq::int AS seq, v.value, v.given_id, v.pre_code
    FROM unnest(CAST(:values AS text[]), CAST(:ids AS uuid[]), CAST(:codes AS text[]))
         WITH ORDINALITY AS v(value, given_id, pre_code, seq)
), ranked AS (
    SELECT input.*, row_number() OVER (PARTITION BY {key} ORDER BY seq) AS nth FROM input
), matched AS (
    SELECT p.id, p.number, p.assigned, p.provider, p.region_code, p.number_type,
           p.campaign_id, p.carrier_line_option_status, p.desired_version, p.bulk_task_id
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


def _bulk(by: dict[str, str], number_rules: str, set_clause: str) -> str:
    """Decides every item, updates the numbers that change (with their events, one INSERT
    for all; the campaign row locked once, in place of a foreign-key check per number),
    counts the task's pending numbers (none: it has completed) and records every item as the
    task's; returns the count of items per verdict."""
    return psycopg_params(
        f"""
WITH {_INPUT.format(**by)}, verdict AS (
    SELECT r.seq, r.value, m.id AS number_id, m.number, m.desired_version,
           m.campaign_id AS previous_campaign_id, m.carrier_line_option_status AS previous_status,
           m.bulk_task_id AS previous_bulk_task_id,
           CASE WHEN r.pre_code IS NOT NULL THEN r.pre_code
                WHEN r.nth > 1 THEN 'DUPLICATE_IN_REQUEST'
                {number_rules}
                ELSE '{CHANGED}' END AS outcome
    FROM ranked r LEFT JOIN matched m ON {by["join"]}
), campaign AS (
    SELECT c.id FROM campaigns c
    WHERE c.id = :campaign_id AND c.org_id = :org_id AND c.mode = :mode
    FOR KEY SHARE
), changed AS (
    UPDATE phone_numbers p SET {set_clause}, bulk_task_id = :task_id
    FROM verdict v, campaign
    WHERE v.outcome = '{CHANGED}' AND p.id = v.number_id
    RETURNING p.id, p.org_id, p.mode, p.number, p.campaign_id, p.carrier_line_option_status,
              p.carrier_line_option_error, p.carrier_line_option_propagated_at, p.status_url,
              p.desired_version, p.bulk_task_id, v.previous_campaign_id, v.previous_status,
              v.previous_bulk_task_id
), {_link_change("changed")}, started AS (
    UPDATE bulk_tasks t SET pending_items = n.pending,
        finished_at = CASE WHEN n.pending = 0 THEN clock_timestamp() END
    FROM (SELECT count(*) AS pending FROM changed
          WHERE carrier_line_option_status = 'pending') n
    WHERE t.id = :task_id
    RETURNING t.*
), {emit("started_events", "started", task_finished("s.pending_items = 0"))}, recorded AS (
    INSERT INTO bulk_task_items (task_id, seq, value, phone_number_id, desired_version, code)
    SELECT :task_id, v.seq, v.value, v.number_id,
           -- the version the change made (each changes its locked row once, by one) without
           -- joining the changed rows back (two sorts of 100,000 rows)
           CASE WHEN v.outcome = '{CHANGED}' AND EXISTS (SELECT 1 FROM campaign)
                THEN v.desired_version + 1 ELSE v.desired_version END,
           CASE WHEN v.outcome IN ('{CHANGED}', '{UNCHANGED}') THEN NULL ELSE v.outcome END
    FROM verdict v
    RETURNING 1
)
SELECT v.outcome, count(*) AS items FROM verdict v GROUP BY v.outcome
"""
    )


_ATTACH_ITEM = attach_number_rules("m", ":campaign_id", ":campaign_provider")
_DETACH_ITEM = detach_from_campaign_rules("m", ":campaign_id")
_SUBMIT = _ATTACH_SET.format(phase="submit")

# (operation, source) → statement
BULK: dict[tuple[str, str], str] = {
    ("attach", "phone_number_ids"): _bulk(_BY_ID, _ATTACH_ITEM, _SUBMIT),
    ("attach", "numbers"): _bulk(_BY_NUMBER, _ATTACH_ITEM, _SUBMIT),
    ("detach", "phone_number_ids"): _bulk(_BY_ID, _DETACH_ITEM, _DETACH_SET),
    ("detach", "numbers"): _bulk(_BY_NUMBER, _DETACH_ITEM, _DETACH_SET),
}
# Numbers a provider's own bulk task (assignment by messaging profile) was asked to link: the
# reconciler starts by looking at what the provider holds, rather than linking them again.
ATTACH_BY_PROFILE = _bulk(_BY_NUMBER, _ATTACH_ITEM, _ATTACH_SET.format(phase="confirm"))
