"""Brands and campaigns, as imported from (or registered at) a provider."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.kit.ids import new_id


class IdentityStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"
    SELF_DECLARED = "SELF_DECLARED"
    VERIFIED = "VERIFIED"
    VETTED_VERIFIED = "VETTED_VERIFIED"


class CampaignStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"


class Brand(Timestamps, Base):
    __tablename__ = "brands"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider", "provider_brand_id"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_brands_org_id_mode_id", "org_id", "mode", "id"),
        CheckConstraint(f"identity_status IN ({enum_values(IdentityStatus)})", name="identity"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(32))
    provider_brand_id: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(Text)
    identity_status: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # when the provider's view was last read (refresh or webhook): older events are ignored
    provider_synced_at: Mapped[datetime | None] = mapped_column(TS)


class Campaign(Timestamps, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider", "provider_campaign_id"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_campaigns_org_id_mode_id", "org_id", "mode", "id"),
        Index("ix_campaigns_org_id_mode_brand_id_id", "org_id", "mode", "brand_id", "id"),
        CheckConstraint(f"status IN ({enum_values(CampaignStatus)})", name="status"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id"))
    provider: Mapped[str] = mapped_column(String(32))
    provider_campaign_id: Mapped[str] = mapped_column(Text)
    tcr_campaign_id: Mapped[str | None] = mapped_column(Text)
    usecase: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    provider_status: Mapped[str | None] = mapped_column(Text)
    provider_synced_at: Mapped[datetime | None] = mapped_column(TS)
