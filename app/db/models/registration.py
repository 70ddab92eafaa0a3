"""Registrations in flight: the intent is recorded (and committed) before the provider is
called, under the client reference numlink sends, so a crash or a timeout at any step leaves
something to finish, by a retry or the registration job, instead of a second registration."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, enum_values
from app.kit.ids import new_id


class RegistrationIntent(Base):
    __tablename__ = "registration_intents"
    __table_args__ = (
        # one registration of the same request at a time, per tenant
        UniqueConstraint("org_id", "mode", "kind", "fingerprint"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        CheckConstraint("kind IN ('brand', 'campaign')", name="kind"),
        Index(
            "ix_registration_intents_next_attempt_at",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    # what numlink sends the provider to find the object again (``nl_`` + 32 hex)
    client_ref: Mapped[str] = mapped_column(Text, unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the registration fields
    brand_id: Mapped[uuid.UUID | None] = mapped_column(  # a campaign's brand
        ForeignKey("brands.id", ondelete="CASCADE")
    )
    # a request working on it holds the lease; when it lapses the job may finish it
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
