"""Bulk tasks and their items."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.kit.ids import new_id


class BulkTask(Timestamps, Base):
    """One bulk attach or detach request; its items' outcomes are read from the numbers."""

    __tablename__ = "bulk_tasks"
    __table_args__ = (
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        CheckConstraint("operation IN ('attach', 'detach')", name="operation"),
        CheckConstraint("profile_phase IN ('submit', 'poll', 'done')", name="profile_phase"),
        CheckConstraint(
            "(messaging_profile_id IS NULL) = (profile_phase IS NULL)", name="profile_task"
        ),
        Index("ix_bulk_tasks_org_id_mode_id", "org_id", "mode", "id"),
        Index(
            "ix_bulk_tasks_next_attempt_at",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id"))
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


class BulkTaskItem(Base):
    """An item as requested: rejected at once (``code``), or following its number's state
    from ``desired_version`` on (a later change to the number supersedes it)."""

    __tablename__ = "bulk_task_items"
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bulk_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # the number or id as given
    phone_number_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    desired_version: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(32))
