"""events feed

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

Every state change becomes a row of ``events``, written by the statement that makes the change;
webhook deliveries are made from events (``webhook_deliveries.event_id``), for the endpoints
whose ``enabled_events`` match (NULL: all). The status trigger of 0002 is dropped: the
statements now write the event and its deliveries themselves. Indexes serve the feed (newest
first per tenant, by resource) and retention (by age).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Ids made by set-based statements: 48-bit milliseconds first, like the API's ULIDs
# (app.kit.ids.new_id), so they sort by time; then a sequence number, so ids made in one
# statement (a change's two events) or in one millisecond keep the order they were made in;
# then random bits. Plain SQL, so it is inlined.
TIME_ORDERED_UUID = """
CREATE FUNCTION time_ordered_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        || substring(int8send(nextval('time_ordered_uuid_seq')) FROM 3)
        || substring(uuid_send(gen_random_uuid()) FROM 13),
        'hex')::uuid
$$
"""

# The trigger of 0002 as it was, restored by downgrade.
OLD_ENQUEUE_FUNCTION = """
CREATE FUNCTION enqueue_status_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries
        (id, org_id, mode, endpoint_id, url, event_type, payload, next_attempt_at)
    SELECT gen_random_uuid(), n.org_id, n.mode, target.endpoint_id, target.url,
           'phone_number.carrier_line_option.updated',
           jsonb_build_object(
               'type', 'phone_number.carrier_line_option.updated',
               'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', jsonb_build_object(
                   'id', n.id,
                   'number', n.number,
                   'mode', n.mode,
                   'campaign_id', n.campaign_id,
                   'carrier_line_option_status', n.carrier_line_option_status,
                   'previous_status', o.carrier_line_option_status,
                   'carrier_line_option_error', n.carrier_line_option_error,
                   'carrier_line_option_propagated_at', n.carrier_line_option_propagated_at)),
           clock_timestamp()
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    CROSS JOIN LATERAL (
        SELECT NULL::uuid AS endpoint_id, n.status_url AS url
        WHERE n.status_url IS NOT NULL
        UNION ALL
        SELECT e.id, e.url FROM webhook_endpoints e
        WHERE e.org_id = n.org_id AND e.mode = n.mode AND e.disabled_at IS NULL
    ) AS target
    WHERE n.carrier_line_option_status IS DISTINCT FROM o.carrier_line_option_status;
    RETURN NULL;
END;
$$
"""
OLD_TRIGGER = (
    "CREATE TRIGGER phone_numbers_status_webhooks AFTER UPDATE ON phone_numbers"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION enqueue_status_webhooks()"
)


def upgrade() -> None:
    op.execute("DROP TRIGGER phone_numbers_status_webhooks ON phone_numbers")
    op.execute("DROP FUNCTION enqueue_status_webhooks()")
    op.execute("CREATE SEQUENCE time_ordered_uuid_seq CACHE 100")
    op.execute(TIME_ORDERED_UUID)
    # No foreign key to orgs: a bulk statement writes 100,000 events, and a per-row check
    # would cost more than the insert. The org_id comes from the changed row itself.
    op.create_table(
        "events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint("mode IN ('live', 'test')", name=op.f("ck_events_mode")),
        # the feed's order and the lookup of one event, in one index
        sa.PrimaryKeyConstraint("org_id", "mode", "id", name=op.f("pk_events")),
    )
    op.create_index(
        "ix_events_org_id_mode_resource_id_id", "events", ["org_id", "mode", "resource_id", "id"]
    )
    # Retention reads the oldest rows; events are appended in time order, so a BRIN index finds
    # them at almost no cost to the inserts (a bulk statement writes 200,000 events).
    op.create_index("ix_events_created_at", "events", ["created_at"], postgresql_using="brin")
    op.add_column("webhook_deliveries", sa.Column("event_id", sa.UUID(), nullable=True))
    op.create_index(
        "ix_webhook_deliveries_finished_created_at",
        "webhook_deliveries",
        ["created_at"],
        postgresql_where=sa.text("next_attempt_at IS NULL"),
    )
    op.add_column(
        "webhook_endpoints",
        sa.Column("enabled_events", postgresql.ARRAY(sa.Text()), nullable=True),
    )
    # A bulk attach or detach is finished when none of its numbers is pending any more: each
    # number changed by a bulk statement names its task while pending, and the task counts its
    # pending numbers down, so the one change that settles the last one completes the task.
    op.add_column("phone_numbers", sa.Column("bulk_task_id", sa.UUID(), nullable=True))
    op.add_column("bulk_tasks", sa.Column("pending_items", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("bulk_tasks", "pending_items")
    op.drop_column("phone_numbers", "bulk_task_id")
    op.drop_column("webhook_endpoints", "enabled_events")
    op.drop_index(
        "ix_webhook_deliveries_finished_created_at",
        table_name="webhook_deliveries",
        postgresql_where=sa.text("next_attempt_at IS NULL"),
    )
    op.drop_column("webhook_deliveries", "event_id")
    op.drop_index("ix_events_created_at", table_name="events", postgresql_using="brin")
    op.drop_index("ix_events_org_id_mode_resource_id_id", table_name="events")
    op.drop_table("events")
    op.execute("DROP FUNCTION time_ordered_uuid()")
    op.execute("DROP SEQUENCE time_ordered_uuid_seq")
    op.execute(OLD_ENQUEUE_FUNCTION)
    op.execute(OLD_TRIGGER)
