"""All ORM models. Every tenant table leads with ``org_id`` (and ``mode``) in its keys."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from ulid import ULID


def new_id() -> uuid.UUID:
    """Time-ordered UUID (a ULID's bytes): ids sort by creation time, so lists page by id."""
    return ULID().to_uuid()


class Mode(StrEnum):
    LIVE = "live"
    TEST = "test"


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


class LineStatus(StrEnum):
    PENDING = "pending"
    PROPAGATED = "propagated"
    FAILED = "failed"


class SyncPhase(StrEnum):
    SUBMIT = "submit"  # the provider must be told the desired state
    CONFIRM = "confirm"  # the provider accepted; waiting for its final status


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{m.value}'" for m in enum)


TS = DateTime(timezone=True)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),)
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(TS)


class Brand(Timestamps, Base):
    __tablename__ = "brands"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "provider", "provider_brand_id"),
        CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),
        Index("ix_brands_org_id_mode_id", "org_id", "mode", "id"),
        CheckConstraint(f"identity_status IN ({_values(IdentityStatus)})", name="identity"),
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
        CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),
        Index("ix_campaigns_org_id_mode_id", "org_id", "mode", "id"),
        Index("ix_campaigns_org_id_mode_brand_id_id", "org_id", "mode", "brand_id", "id"),
        CheckConstraint(f"status IN ({_values(CampaignStatus)})", name="status"),
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


class PhoneNumber(Timestamps, Base):
    """A number and, at once, the reconciler's work item for its campaign link."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "number"),
        CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),
        Index("ix_phone_numbers_org_id_mode_id", "org_id", "mode", "id"),
        Index("ix_phone_numbers_org_id_mode_campaign_id_id", "org_id", "mode", "campaign_id", "id"),
        Index(
            "ix_phone_numbers_due",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        # status checks of submitted changes are claimed beside a backlog of new submissions
        Index(
            "ix_phone_numbers_confirm_due",
            "next_attempt_at",
            postgresql_where=text("sync_phase = 'confirm'"),
        ),
        CheckConstraint(
            f"carrier_line_option_status IN ({_values(LineStatus)})", name="line_status"
        ),
        CheckConstraint(f"sync_phase IN ({_values(SyncPhase)})", name="sync_phase"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(4))
    number_type: Mapped[str] = mapped_column(String(24))
    provider: Mapped[str] = mapped_column(String(32))
    inbound_url: Mapped[str | None] = mapped_column(Text)
    status_url: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    assigned: Mapped[bool] = mapped_column(Boolean)
    sms_enabled: Mapped[bool] = mapped_column(Boolean)
    mms_enabled: Mapped[bool] = mapped_column(Boolean)
    # desired state (what the user asked for)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaigns.id"))
    desired_version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    carrier_line_option_status: Mapped[str | None] = mapped_column(String(16))
    carrier_line_option_propagated_at: Mapped[datetime | None] = mapped_column(TS)
    carrier_line_option_error: Mapped[str | None] = mapped_column(Text)
    # what the provider is known to hold, and the reconciler's bookkeeping
    linked_campaign_ref: Mapped[str | None] = mapped_column(Text)
    sync_phase: Mapped[str | None] = mapped_column(String(16))
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    # time of the newest provider status applied (poll or webhook): older events are ignored
    provider_status_at: Mapped[datetime | None] = mapped_column(TS)


class IdempotencyKey(Base):
    """No FK to api_keys: reservations are committed on their own connection first."""

    __tablename__ = "idempotency_keys"
    api_key_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now(), index=True)


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


class ProviderEvent(Base):
    """Inbound provider webhooks already applied, so a redelivery changes nothing."""

    __tablename__ = "provider_events"
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(TS, server_default=func.now(), index=True)


class WebhookEndpoint(Timestamps, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),
        Index("ix_webhook_endpoints_org_id_mode_id", "org_id", "mode", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of the whsec_ secret
    disabled_at: Mapped[datetime | None] = mapped_column(TS)


class WebhookSigningSecret(Base):
    """The secret that signs deliveries to numbers' ``status_url`` (one per org and mode)."""

    __tablename__ = "webhook_signing_secrets"
    __table_args__ = (CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class WebhookDelivery(Base):
    """Outbox of status webhooks. Rows are written by a trigger on ``phone_numbers`` in the
    transaction that changes a status, so no change is lost and none is sent before commit."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index("ix_webhook_deliveries_org_id_mode_id", "org_id", "mode", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    # NULL: the number's status_url, signed with the org's signing secret
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class BulkTask(Timestamps, Base):
    """One bulk attach or detach request; its items' outcomes are read from the numbers."""

    __tablename__ = "bulk_tasks"
    __table_args__ = (
        CheckConstraint(f"mode IN ({_values(Mode)})", name="mode"),
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
    # assignment by messaging profile (Telnyx): the worker submits and polls Telnyx's task
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
