"""Brands and campaigns, as imported from (or registered at) a provider."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.kit.ids import new_id


class IdentityStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"
    SELF_DECLARED = "SELF_DECLARED"
    VERIFIED = "VERIFIED"
    VETTED_VERIFIED = "VETTED_VERIFIED"


class BrandStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    DELETED = "DELETED"


class CampaignStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"
    DEACTIVATED = "DEACTIVATED"


def _due_index(table: str) -> Index:
    return Index(
        f"ix_{table}_next_attempt_at",
        "next_attempt_at",
        postgresql_where=text("next_attempt_at IS NOT NULL"),
    )


def _fingerprint_index(table: str) -> Index:
    return Index(
        f"ix_{table}_org_id_mode_registration_fingerprint",
        "org_id",
        "mode",
        "registration_fingerprint",
        postgresql_where=text("registration_fingerprint IS NOT NULL"),
    )


class SyncState:
    """A registered or imported object is re-read from its provider when ``next_attempt_at``
    comes (registration job: until it settles); the rest is the job's lease and backoff.
    ``registration_fingerprint``: the registration request it came from (None if imported)."""

    failure_reasons: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    registration_fingerprint: Mapped[str | None] = mapped_column(String(64))
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # when the provider's view was last read (refresh or webhook): older events are ignored
    provider_synced_at: Mapped[datetime | None] = mapped_column(TS)


class Brand(SyncState, Timestamps, Base):
    __tablename__ = "brands"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider", "provider_brand_id"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_brands_org_id_mode_id", "org_id", "mode", "id"),
        CheckConstraint(f"identity_status IN ({enum_values(IdentityStatus)})", name="identity"),
        CheckConstraint(f"status IN ({enum_values(BrandStatus)})", name="status"),
        _due_index("brands"),
        _fingerprint_index("brands"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(32))
    provider_brand_id: Mapped[str] = mapped_column(Text)
    tcr_brand_id: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(Text)
    identity_status: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # registration fields (DESIGN.md "Registration"); imported brands leave them empty
    entity_type: Mapped[str | None] = mapped_column(String(32))
    company_name: Mapped[str | None] = mapped_column(Text)
    ein: Mapped[str | None] = mapped_column(Text)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    vertical: Mapped[str | None] = mapped_column(Text)
    stock_symbol: Mapped[str | None] = mapped_column(Text)
    stock_exchange: Mapped[str | None] = mapped_column(Text)
    is_reseller: Mapped[bool | None] = mapped_column(Boolean)


class Campaign(SyncState, Timestamps, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider", "provider_campaign_id"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_campaigns_org_id_mode_id", "org_id", "mode", "id"),
        Index("ix_campaigns_org_id_mode_brand_id_id", "org_id", "mode", "brand_id", "id"),
        CheckConstraint(f"status IN ({enum_values(CampaignStatus)})", name="status"),
        # a shared campaign's brand is another CSP's: numlink does not hold it
        CheckConstraint("shared OR brand_id IS NOT NULL", name="brand"),
        _due_index("campaigns"),
        _fingerprint_index("campaigns"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brands.id"))
    provider: Mapped[str] = mapped_column(String(32))
    provider_campaign_id: Mapped[str] = mapped_column(Text)
    tcr_campaign_id: Mapped[str | None] = mapped_column(Text)
    usecase: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    provider_status: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # the last known status at each carrier: {carrier: {status, tpm, …, "at": ISO time}}
    carriers: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # registration fields (DESIGN.md "Registration"); imported campaigns leave them empty
    description: Mapped[str | None] = mapped_column(Text)
    message_flow: Mapped[str | None] = mapped_column(Text)
    sample_messages: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    help_message: Mapped[str | None] = mapped_column(Text)
    help_keywords: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    optin_message: Mapped[str | None] = mapped_column(Text)
    optin_keywords: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    optout_message: Mapped[str | None] = mapped_column(Text)
    optout_keywords: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    sub_usecases: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    embedded_link: Mapped[bool | None] = mapped_column(Boolean)
    embedded_phone: Mapped[bool | None] = mapped_column(Boolean)
    number_pool: Mapped[bool | None] = mapped_column(Boolean)
    age_gated: Mapped[bool | None] = mapped_column(Boolean)
    direct_lending: Mapped[bool | None] = mapped_column(Boolean)
    subscriber_optin: Mapped[bool | None] = mapped_column(Boolean)
    subscriber_optout: Mapped[bool | None] = mapped_column(Boolean)
    subscriber_help: Mapped[bool | None] = mapped_column(Boolean)
    auto_renewal: Mapped[bool | None] = mapped_column(Boolean)
    privacy_policy_link: Mapped[str | None] = mapped_column(Text)
    terms_and_conditions_link: Mapped[str | None] = mapped_column(Text)
