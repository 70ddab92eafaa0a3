"""The events feed: every state change, written by the statement that makes it."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, enum_values


class Event(Base):
    """``id`` is time-ordered (made in SQL by ``time_ordered_uuid()``), so the feed pages by id
    like every list. Few indexes and no foreign key to orgs: a bulk statement writes one or two
    events per number, 200,000 at once."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_events_org_id_mode_resource_id_id", "org_id", "mode", "resource_id", "id"),
        Index("ix_events_created_at", "created_at", postgresql_using="brin"),  # retention
    )
    # The key (org_id, mode, id) is the feed's order and the lookup of one event, in one index.
    org_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("clock_timestamp()"))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[uuid.UUID] = mapped_column(UUID)
    data: Mapped[dict[str, object]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
