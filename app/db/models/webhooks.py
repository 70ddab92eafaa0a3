"""Outbound webhooks: endpoints, the status_url signing secret and the delivery outbox."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.kit.ids import new_id

# As PostgreSQL prints migration 0010's expression, so that models and migrations compare equal.
TARGET_KEY = (
    "CASE WHEN (endpoint_id IS NOT NULL) THEN (endpoint_id)::text"
    " ELSE ((((('status_url:'::text || (org_id)::text) || ':'::text) || (mode)::text)"
    " || ':'::text) || COALESCE(lower(\"substring\"(url,"
    " '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#]*)'::text)), ''::text)) END"
)


class WebhookEndpoint(Timestamps, Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
        Index("ix_webhook_endpoints_org_id_mode_id", "org_id", "mode", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=new_id)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"))
    mode: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of the whsec_ secret
    disabled_at: Mapped[datetime | None] = mapped_column(TS)
    # The event types delivered to this endpoint; NULL: all of them.
    enabled_events: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Every delivery since this time failed (a success clears it): disabled after a while.
    failing_since: Mapped[datetime | None] = mapped_column(TS)


class WebhookSigningSecret(Base):
    """The secret that signs deliveries to numbers' ``status_url`` (one per org and mode)."""

    __tablename__ = "webhook_signing_secrets"
    __table_args__ = (CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),)
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class WebhookDelivery(Base):
    """Outbox of webhooks: one row per event and target, written by the statement that writes
    the event (``app.events``), so no change is lost and none is sent before commit.

    No foreign keys: a bulk statement writes 100,000 rows at once, and a per-row check of the
    org and the endpoint cost an eighth of it. Neither is ever deleted by the app; triggers
    (migration 0013) delete an endpoint's deliveries with it and refuse to delete an org that
    deliveries name, and the worker drops a delivery whose endpoint is gone."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index(
            "ix_webhook_deliveries_org_id_mode_endpoint_id_id",
            "org_id",
            "mode",
            "endpoint_id",
            "id",
        ),
        Index(  # the fair claim: a tenant's due rows
            "ix_webhook_deliveries_org_id_mode_next_attempt_at",
            "org_id",
            "mode",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index(  # deliveries in flight, per target
            "ix_webhook_deliveries_leased_target_key",
            "target_key",
            postgresql_where=text("lease_owner IS NOT NULL"),
        ),
        Index(  # retention: finished deliveries by age
            "ix_webhook_deliveries_finished_created_at",
            "created_at",
            postgresql_where=text("next_attempt_at IS NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(UUID)
    mode: Mapped[str] = mapped_column(String(8))
    # NULL: the number's status_url, signed with the org's signing secret
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    url: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(String(64))
    # The event delivered (its id is the webhook-id of every attempt); NULL for rows queued
    # before events existed. No foreign key: events and deliveries are purged on their own.
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)  # of the last HTTP answer
    # what the per-target concurrency cap counts: the endpoint, or org, mode and status_url host
    target_key: Mapped[str] = mapped_column(Text, Computed(TARGET_KEY, persisted=True))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
