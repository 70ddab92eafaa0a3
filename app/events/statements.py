"""SQL fragments that write events and their webhook deliveries inside the statement that
makes the change: set-based (one INSERT … SELECT for any number of changed rows), so a bulk
statement costs one more insert, not one per row.

``emit`` returns common table expressions to put in the change's ``WITH``: one inserts the
events, the next the deliveries made from them (every enabled endpoint of the event's org and
mode whose ``enabled_events`` match, and the number's ``status_url`` for status updates).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import TextClause, text

from app.events.types import RESOURCE_OF, STATUS_URL_TYPES, EventType

# The body every target receives, also what GET /v1/events/{id} shows.
TIMESTAMP = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
PAYLOAD = f"""jsonb_build_object(
        'id', e.id, 'type', e.type, 'created_at', {TIMESTAMP.format("e.created_at")},
        'resource', jsonb_build_object('type', e.resource_type, 'id', e.resource_id),
        'data', e.data)"""


@dataclass(frozen=True, slots=True)
class Emit:
    """One event per row of the source where ``where`` holds; ``data`` is a jsonb expression
    over the source row ``s``."""

    type: EventType
    data: str
    where: str = "true"


def emit(
    name: str,
    source: str,
    events: Sequence[Emit],
    *,
    resource_id: str = "s.id",
    org: str = "s.org_id",
    mode: str = "s.mode",
    status_url: str = "s.status_url",
) -> str:
    """CTEs ``{name}`` (the events written: id, org_id, mode, type, resource_id) and
    ``{name}_deliveries``. ``source`` is a table or CTE name, read as ``s``; it must be a CTE
    (materialised once) when it changes rows."""
    written = write_events(name, source, events, resource_id=resource_id, org=org, mode=mode)
    status_urls = any(e.type in STATUS_URL_TYPES for e in events)
    return f"""{written}, {
        write_deliveries(
            name, source if status_urls else None, resource_id=resource_id, status_url=status_url
        )
    }"""


def write_events(
    name: str,
    source: str,
    events: Sequence[Emit],
    *,
    resource_id: str = "s.id",
    org: str = "s.org_id",
    mode: str = "s.mode",
) -> str:
    """The CTE ``{name}``: the events alone (their deliveries are ``write_deliveries``)."""
    selects = "\n    UNION ALL\n    ".join(
        f"SELECT time_ordered_uuid(), {org}, {mode}, '{e.type}', '{RESOURCE_OF[e.type]}', "
        f"{resource_id}, {e.data} FROM {source} s WHERE {e.where}"
        for e in events
    )
    return f"""{name} AS (
    INSERT INTO events (id, org_id, mode, type, resource_type, resource_id, data)
    {selects}
    RETURNING id, org_id, mode, type, created_at, resource_type, resource_id, data
)"""


def write_deliveries(
    name: str,
    status_url_source: str | None,
    *,
    resource_id: str = "s.id",
    status_url: str = "s.status_url",
) -> str:
    """The CTE ``{name}_deliveries``: a delivery of each event of ``{name}`` to every enabled
    endpoint of its org and mode whose ``enabled_events`` match, and for status updates to
    the ``status_url`` of its row in ``status_url_source`` (read as ``s``; None: no such
    targets)."""
    # Each branch carries the event's columns, so nothing joins back to the events (a sort of
    # every event written, ~0.1 s in a bulk statement, even when no target comes).
    targets = [
        f"""SELECT ev.*, w.id AS endpoint_id, w.url
        FROM {name} ev JOIN webhook_endpoints w
          ON w.org_id = ev.org_id AND w.mode = ev.mode AND w.disabled_at IS NULL
         AND (w.enabled_events IS NULL OR ev.type = ANY(w.enabled_events))"""
    ]
    if status_url_source is not None:
        types = ", ".join(f"'{t}'" for t in sorted(STATUS_URL_TYPES))
        # skipped as a whole (a one-time filter) when no changed row has a status_url
        targets.append(
            f"""SELECT ev.*, NULL::uuid, u.url
        FROM {name} ev
        JOIN (SELECT {resource_id} AS id, {status_url} AS url FROM {status_url_source} s
              WHERE {status_url} IS NOT NULL) u ON u.id = ev.resource_id
        WHERE ev.type IN ({types})
          AND EXISTS (SELECT 1 FROM {status_url_source} s WHERE {status_url} IS NOT NULL)"""
        )
    union = "\n        UNION ALL\n        ".join(targets)
    return f"""{name}_deliveries AS (
    INSERT INTO webhook_deliveries
        (id, org_id, mode, endpoint_id, url, event_type, event_id, payload, next_attempt_at)
    SELECT time_ordered_uuid(), e.org_id, e.mode, e.endpoint_id, e.url, e.type, e.id,
           {PAYLOAD}, clock_timestamp()
    FROM (
        {union}
    ) e
    RETURNING 1
)"""


# ---- what each phone number event carries (s: the number as changed) ------------------------


def line_option_data(previous_status: str) -> str:
    return f"""jsonb_build_object(
        'id', s.id, 'number', s.number, 'campaign_id', s.campaign_id,
        'carrier_line_option_status', s.carrier_line_option_status,
        'previous_status', {previous_status},
        'carrier_line_option_error', s.carrier_line_option_error,
        'carrier_line_option_propagated_at',
        {TIMESTAMP.format("s.carrier_line_option_propagated_at")})"""


def campaign_change_data(previous_campaign_id: str, previous_status: str) -> str:
    return f"""jsonb_build_object(
        'id', s.id, 'number', s.number, 'campaign_id', s.campaign_id,
        'previous_campaign_id', {previous_campaign_id},
        'carrier_line_option_status', s.carrier_line_option_status,
        'previous_status', {previous_status})"""


def line_option_updated(previous_status: str) -> Emit:
    return Emit(EventType.PHONE_NUMBER_LINE_OPTION_UPDATED, line_option_data(previous_status))


def link_events(previous_campaign_id: str, previous_status: str) -> tuple[Emit, Emit]:
    """A link change is one event: the campaign changed (a move while pending included; its
    status, now pending or settled at once, is in the data), or, when the campaign is the same
    (a retry after a failure), the line option's status changed."""
    moved = f"s.campaign_id IS DISTINCT FROM {previous_campaign_id}"
    return (
        Emit(
            EventType.PHONE_NUMBER_CAMPAIGN_CHANGED,
            campaign_change_data(previous_campaign_id, previous_status),
            moved,
        ),
        Emit(
            EventType.PHONE_NUMBER_LINE_OPTION_UPDATED,
            line_option_data(previous_status),
            f"NOT ({moved})",
        ),
    )


def update_with_events(
    table: str,
    set_clause: str,
    where: str,
    previous: Sequence[str],
    events: Sequence[Emit],
    returning: str = "s.id",
) -> TextClause:
    """An UPDATE of ``table``'s rows matching ``where`` that writes its events in the same
    statement. The rows are locked first to read what they were: each column of ``previous``
    is returned as ``previous_<column>`` beside the changed row, for the events' conditions
    and data. With ``bulk_task_id`` among them (numbers), the bulk tasks whose pending numbers
    settle are counted down too. The table is ``p`` in ``where`` and ``set_clause``;
    ``returning`` reads the changed rows as ``s``."""
    before = ", ".join(f"{column} AS previous_{column}" for column in previous)
    carried = ", ".join(f"b.previous_{column}" for column in previous)
    ctes = emit("emitted", "changed", events)
    if "bulk_task_id" in previous:
        ctes += ", " + settle_tasks("changed", "s.previous_carrier_line_option_status")
    return text(f"""WITH before AS (
    SELECT p.id AS before_id, {before} FROM {table} p WHERE {where} FOR UPDATE OF p
), changed AS (
    UPDATE {table} p SET {set_clause}
    FROM before b WHERE p.id = b.before_id
    RETURNING p.*, {carried}
), {ctes}
SELECT {returning} FROM changed s""")


def line_option_changed() -> Emit:
    """A status update the user can see: status or error changed."""
    return Emit(
        EventType.PHONE_NUMBER_LINE_OPTION_UPDATED,
        line_option_data("s.previous_carrier_line_option_status"),
        "(s.carrier_line_option_status, s.carrier_line_option_error)"
        " IS DISTINCT FROM"
        " (s.previous_carrier_line_option_status, s.previous_carrier_line_option_error)",
    )


# what a status change compares, and the task its number was pending for
LINE_OPTION_COLUMNS = ("carrier_line_option_status", "carrier_line_option_error", "bulk_task_id")
# ---- brands and campaigns: what their events carry, written from SQL or from Python ---------


@dataclass(frozen=True, slots=True)
class Summary:
    """The fields an update event carries (``fields``), and the previous value of some."""

    fields: tuple[str, ...]
    previous: tuple[str, ...]

    def sql(self) -> str:
        pairs = ["'id', s.id"]
        pairs += [f"'{f}', to_jsonb(s.{f})" for f in self.fields]
        pairs += [f"'previous_{f}', to_jsonb(s.previous_{f})" for f in self.previous]
        return f"jsonb_build_object({', '.join(pairs)})"

    def changed(self) -> Emit:
        """For ``update_with_events`` with ``previous=self.fields``."""
        current = ", ".join(f"s.{f}" for f in self.fields)
        before = ", ".join(f"s.previous_{f}" for f in self.fields)
        return Emit(self.event_type, self.sql(), f"({current}) IS DISTINCT FROM ({before})")

    def changed_in(self, column: str) -> Emit:
        """For an update of ``column`` alone (``previous`` must include it)."""
        where = f"s.{column} IS DISTINCT FROM s.previous_{column}"
        return Emit(self.event_type, self.sql(), where)

    event_type: EventType = EventType.BRAND_UPDATED


BRAND_SUMMARY = Summary(
    ("status", "identity_status", "tcr_brand_id", "failure_reasons"),
    ("status", "identity_status"),
)
CAMPAIGN_SUMMARY = Summary(
    ("brand_id", "status", "provider_status", "failure_reasons"),
    ("status", "provider_status"),
    EventType.CAMPAIGN_UPDATED,
)


# ---- numbers: created, deleted, assignment ----------------------------------------------------

NUMBER_SUMMARY = Summary(
    ("number", "provider", "assigned", "campaign_id"), (), EventType.PHONE_NUMBER_CREATED
)
DELETED_SUMMARY = Summary(NUMBER_SUMMARY.fields, (), EventType.PHONE_NUMBER_DELETED)
NUMBER_CREATED = Emit(EventType.PHONE_NUMBER_CREATED, NUMBER_SUMMARY.sql())

ASSIGNMENT_COLUMNS = ("assigned", "released_at")
ASSIGNMENT_SUMMARY = Summary(
    ("number", "assigned", "released_at"),
    ("assigned",),
    EventType.PHONE_NUMBER_ASSIGNMENT_CHANGED,
)


def assignment_changed(where: str = "true") -> Emit:
    """Assigned or released (``previous_assigned`` and ``previous_released_at`` beside)."""
    return Emit(
        ASSIGNMENT_SUMMARY.event_type,
        ASSIGNMENT_SUMMARY.sql(),
        f"{where} AND (s.assigned, s.released_at IS NULL)"
        " IS DISTINCT FROM (s.previous_assigned, s.previous_released_at IS NULL)",
    )


# ---- tasks ------------------------------------------------------------------------------------

TASK_DATA = """jsonb_build_object(
        'id', s.id, 'operation', s.operation, 'total', s.total,
        'status', CASE WHEN s.error IS NULL THEN 'completed' ELSE 'failed' END,
        'error', s.error)"""


def task_finished(where: str) -> list[Emit]:
    """A finished task (``s``, a bulk_tasks row): an audit's own type, else the task's."""
    return [
        Emit(EventType.AUDIT_COMPLETED, TASK_DATA, f"{where} AND s.operation = 'audit'"),
        Emit(EventType.BULK_TASK_COMPLETED, TASK_DATA, f"{where} AND s.operation <> 'audit'"),
    ]


def settle_tasks(source: str, previous_status: str) -> str:
    """CTEs counting down the bulk tasks whose pending numbers ``source`` settled or
    superseded (rows with ``previous_bulk_task_id``); the change that settles a task's last
    number completes it, with its event. The task row's lock orders concurrent settlers, so
    exactly one of them sees the count reach 0."""
    return f"""counted_down AS (
    UPDATE bulk_tasks t SET pending_items = t.pending_items - d.n,
        finished_at = CASE WHEN t.pending_items = d.n THEN clock_timestamp() END
    FROM (
        SELECT s.previous_bulk_task_id AS task_id, count(*) AS n FROM {source} s
        WHERE s.previous_bulk_task_id IS NOT NULL AND {previous_status} = 'pending'
          AND (s.carrier_line_option_status IS DISTINCT FROM 'pending'
               OR s.bulk_task_id IS DISTINCT FROM s.previous_bulk_task_id)
        GROUP BY 1
    ) d
    WHERE t.id = d.task_id AND t.pending_items > 0
    RETURNING t.*
), {emit("task_events", "counted_down", task_finished("s.pending_items = 0"))}"""
