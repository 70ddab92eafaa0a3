"""Tasks (bulk attach and detach, batch registration, inventory sync, audits), their items and
an audit's findings."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.kit.ids import new_id

OPERATIONS = ("attach", "detach", "register", "sync", "audit")
# the operations worked on page by page by their own jobs (``phase`` and ``page_token``)
PAGED = ("register", "sync", "audit")


class BulkTask(Timestamps, Base):
    """One task: a bulk attach or detach (its items' outcomes are read from the numbers), a
    batch registration, an inventory sync or an audit."""

    __tablename__ = "bulk_tasks"
    __table_args__ = (
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        CheckConstraint(
            "operation IN (" + ", ".join(f"'{o}'" for o in OPERATIONS) + ")", name="operation"
        ),
        CheckConstraint("profile_phase IN ('submit', 'poll', 'done')", name="profile_phase"),
        CheckConstraint(
            "operation = 'audit' OR (messaging_profile_id IS NULL) = (profile_phase IS NULL)",
            name="profile_task",
        ),
        CheckConstraint("phase IN ('list', 'profile', 'finish', 'done')", name="phase"),
        Index("ix_bulk_tasks_org_id_mode_id", "org_id", "mode", "id"),
        Index(
            "ix_bulk_tasks_org_id_mode_provider_operation_created_at",
            "org_id",
            "mode",
            "provider",
            "operation",
            "created_at",
            postgresql_where=text("provider IS NOT NULL"),
        ),
        # one unfinished sync per account: two would release each other's numbers
        Index(
            "ux_bulk_tasks_running_sync",
            "org_id",
            "mode",
            "provider",
            unique=True,
            postgresql_where=text("operation = 'sync' AND phase <> 'done'"),
        ),
        Index(
            "ix_bulk_tasks_next_attempt_at",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaigns.id"))
    operation: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(24))  # phone_number_ids | numbers | ...
    total: Mapped[int] = mapped_column(Integer)
    # assignment by messaging profile: the worker submits and polls the provider's own task
    messaging_profile_id: Mapped[str | None] = mapped_column(Text)
    provider_task_id: Mapped[str | None] = mapped_column(Text)
    profile_phase: Mapped[str | None] = mapped_column(String(8))  # submit | poll | done
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    lease_owner: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    error: Mapped[str | None] = mapped_column(Text)
    # paged tasks (register, sync, audit): where the work is, and what it found so far
    provider: Mapped[str | None] = mapped_column(String(32))
    repair: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    low_priority: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    phase: Mapped[str | None] = mapped_column(String(8))  # list | profile | finish | done
    page_token: Mapped[str | None] = mapped_column(Text)  # resume position of the listing
    stats: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    scope: Mapped[dict[str, object] | None] = mapped_column(JSONB)  # an audit's campaigns
    finished_at: Mapped[datetime | None] = mapped_column(TS)
    # attach and detach: numbers still pending for this task; at 0 the task has completed
    pending_items: Mapped[int | None] = mapped_column(Integer)


class BulkTaskItem(Base):
    """An item as requested: rejected at once (``code``), or following its number's state
    from ``desired_version`` on (a later change to the number supersedes it)."""

    __tablename__ = "bulk_task_items"
    # No foreign key: the bulk statement writes the items of the task it updates, and deleting
    # a task deletes its items by trigger (migration 0012), without a check per item.
    task_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # the number or id as given
    phone_number_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    desired_version: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(32))


class TaskListing(Base):
    """What the provider listed during a sync or an audit, kept until the task compares it
    (a sync: the account's numbers; an audit: a campaign's and a messaging profile's). Keyed
    so that a number is looked up by (task, listing, number)."""

    __tablename__ = "task_listings"
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bulk_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    # account | campaign | profile
    listing: Mapped[str] = mapped_column(String(8), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    campaign_ref: Mapped[str] = mapped_column(Text, primary_key=True)  # '' but for campaigns
    state: Mapped[str] = mapped_column(String(16))  # campaigns: linked | pending | failed


class AuditFinding(Base):
    __tablename__ = "audit_findings"
    __table_args__ = (Index("ix_audit_findings_task_id_kind_seq", "task_id", "kind", "seq"),)
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bulk_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    phone_number_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    kind: Mapped[str] = mapped_column(String(24))
    numlink_campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    provider_campaign_id: Mapped[str | None] = mapped_column(Text)
    repaired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
