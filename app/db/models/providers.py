"""Provider accounts and the state kept about providers: shared rate buckets, applied
provider events, and the sandbox provider's own link and registration records."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Timestamps
from app.kit.ids import new_id


class ProviderAccount(Timestamps, Base):
    """An org's credentials at a provider (live mode), encrypted at rest."""

    __tablename__ = "provider_accounts"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider"),
        CheckConstraint("mode = 'live'", name="mode"),  # test mode uses the sandbox
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(32))
    credentials: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of a JSON object
    credentials_hint: Mapped[str] = mapped_column(Text)  # e.g. "…a1b2", safe to show
    # names the account in its inbound webhook URL; unguessable so the URL cannot be probed
    webhook_token: Mapped[str] = mapped_column(String(64), unique=True)
    rate_per_s: Mapped[float | None] = mapped_column(Float)


class RateBucket(Base):
    """A token bucket shared by every worker process (one row per provider account)."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.clock_timestamp())
    # what the provider's answers taught (app/provider_accounts/rate_limit.py): the rate in
    # use (NULL: the configured one), its last cut, a pause for everyone, and an epoch that
    # moves when queued reservations must be made again
    rate: Mapped[float | None] = mapped_column(Float)
    cut_at: Mapped[datetime | None] = mapped_column(TS)
    paused_until: Mapped[datetime | None] = mapped_column(TS)
    epoch: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class ProviderEvent(Base):
    """Inbound provider webhooks already applied, so a redelivery changes nothing."""

    __tablename__ = "provider_events"
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(TS, server_default=func.now(), index=True)


class SandboxLink(Base):
    """The sandbox provider's own record of a number's link, as a real provider would keep."""

    __tablename__ = "sandbox_links"
    org_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    campaign_ref: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(32))
    ready_at: Mapped[datetime] = mapped_column(TS)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class SandboxNumber(Base):
    """A number on the sandbox provider's account, as a real provider's account holds it."""

    __tablename__ = "sandbox_numbers"
    org_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    messaging_profile_id: Mapped[str | None] = mapped_column(Text)
    assigned: Mapped[bool] = mapped_column(Boolean)
    released: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class SandboxObject(Base):
    """The sandbox provider's own record of a registration object (brand, campaign), as a
    real provider would keep it: a document it interprets (``providers.sandbox.records``)."""

    __tablename__ = "sandbox_objects"
    __table_args__ = (
        Index(
            "ix_sandbox_objects_org_id_kind_client_ref",
            "org_id",
            "kind",
            "client_ref",
            unique=True,
            postgresql_where=text("client_ref IS NOT NULL"),
        ),
    )
    org_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(Text, primary_key=True)
    client_ref: Mapped[str | None] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.clock_timestamp())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.clock_timestamp())
