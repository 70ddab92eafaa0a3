"""the bulk link statement's per-row costs: foreign-key checks become one lock per statement
and delete guards; event ids lose their random bytes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29

A bulk attach of 100,000 numbers paid two foreign-key checks per row (the number's campaign,
the item's task): each is a row trigger that queries and locks the referenced row, about a
fifth of the statement. Both references are made by the link statements alone, from a row they
lock once per statement (the campaign ``FOR KEY SHARE``, the task they update), so what the
constraints still guard is the other side: deleting a campaign that numbers use is refused
(SQLSTATE 23503, as the constraint did), and deleting a task deletes its items.

``time_ordered_uuid()`` drew 16 random bytes per id (``gen_random_uuid()``, the largest part of
its cost); the sequence already makes ids unique, so an id is now 48-bit milliseconds then 80
bits of the sequence. Same order as before: time first, then the order the ids were made in.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME_ORDERED_UUID = """
CREATE OR REPLACE FUNCTION time_ordered_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT (lpad(to_hex((date_part('epoch', clock_timestamp()) * 1000)::bigint), 12, '0')
            || lpad(to_hex(nextval('time_ordered_uuid_seq')), 20, '0'))::uuid
$$
"""

# as 0009 made it
OLD_TIME_ORDERED_UUID = """
CREATE OR REPLACE FUNCTION time_ordered_uuid() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        || substring(int8send(nextval('time_ordered_uuid_seq')) FROM 3)
        || substring(uuid_send(gen_random_uuid()) FROM 13),
        'hex')::uuid
$$
"""

CAMPAIGN_GUARD = """
CREATE FUNCTION refuse_deleting_linked_campaign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM phone_numbers p
               WHERE p.org_id = OLD.org_id AND p.mode = OLD.mode AND p.campaign_id = OLD.id) THEN
        RAISE EXCEPTION 'campaign % is linked to phone numbers', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$
"""

TASK_ITEMS_CASCADE = """
CREATE FUNCTION delete_bulk_task_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bulk_task_items WHERE task_id = OLD.id;
    RETURN NULL;
END;
$$
"""


def upgrade() -> None:
    op.execute(TIME_ORDERED_UUID)
    op.drop_constraint("fk_phone_numbers_campaign_id_campaigns", "phone_numbers", "foreignkey")
    op.execute(CAMPAIGN_GUARD)
    op.execute(
        "CREATE TRIGGER campaigns_refuse_delete_while_linked BEFORE DELETE ON campaigns"
        " FOR EACH ROW EXECUTE FUNCTION refuse_deleting_linked_campaign()"
    )
    op.drop_constraint("fk_bulk_task_items_task_id_bulk_tasks", "bulk_task_items", "foreignkey")
    op.execute(TASK_ITEMS_CASCADE)
    op.execute(
        "CREATE TRIGGER bulk_tasks_delete_items AFTER DELETE ON bulk_tasks"
        " FOR EACH ROW EXECUTE FUNCTION delete_bulk_task_items()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER bulk_tasks_delete_items ON bulk_tasks")
    op.execute("DROP FUNCTION delete_bulk_task_items()")
    # items whose task is gone (none can be made by the code) would block the constraint
    op.execute(
        "DELETE FROM bulk_task_items i WHERE NOT EXISTS"
        " (SELECT 1 FROM bulk_tasks t WHERE t.id = i.task_id)"
    )
    op.create_foreign_key(
        "fk_bulk_task_items_task_id_bulk_tasks",
        "bulk_task_items",
        "bulk_tasks",
        ["task_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.execute("DROP TRIGGER campaigns_refuse_delete_while_linked ON campaigns")
    op.execute("DROP FUNCTION refuse_deleting_linked_campaign()")
    op.create_foreign_key(
        "fk_phone_numbers_campaign_id_campaigns",
        "phone_numbers",
        "campaigns",
        ["campaign_id"],
        ["id"],
    )
    op.execute(OLD_TIME_ORDERED_UUID)
