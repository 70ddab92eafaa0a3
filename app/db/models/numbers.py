"""Phone numbers: each row is also the reconciler's work item for its campaign link."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, column_property, mapped_column

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values
from app.db.models.brands import Campaign
from app.kit.ids import new_id
from app.kit.phone import E164_JSON_PATTERN


class LineStatus(StrEnum):
    PENDING = "pending"
    PROPAGATED = "propagated"
    FAILED = "failed"


class SyncPhase(StrEnum):
    SUBMIT = "submit"  # the provider must be told the desired state
    CONFIRM = "confirm"  # the provider accepted; waiting for its final status


class PhoneNumber(Timestamps, Base):
    """A number and, at once, the reconciler's work item for its campaign link."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        UniqueConstraint("org_id", "mode", "number"),
        CheckConstraint(f"mode IN ({enum_values(Mode)})", name="mode"),
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
            f"carrier_line_option_status IN ({enum_values(LineStatus)})", name="line_status"
        ),
        CheckConstraint(f"sync_phase IN ({enum_values(SyncPhase)})", name="sync_phase"),
        # exact E.164 in ASCII digits (migration 0006; app.kit.phone.is_e164 is the same rule)
        CheckConstraint(f"number ~ '{E164_JSON_PATTERN}'", name="e164"),
        Index(
            "ix_phone_numbers_org_id_mode_messaging_profile_id",
            "org_id",
            "mode",
            "messaging_profile_id",
            postgresql_where=text("messaging_profile_id IS NOT NULL"),
        ),
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
    # No foreign key (a per-row check was a fifth of a bulk attach): the link statements set it
    # from the campaign row they lock, and a linked campaign cannot be deleted (migration 0012).
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    # the status of that campaign, read with the number: a number keeps its link while its
    # campaign is SUSPENDED, EXPIRED or DEACTIVATED, and shows it here
    campaign_status: Mapped[str | None] = column_property(
        select(Campaign.status).where(Campaign.id == campaign_id).scalar_subquery()
    )
    desired_version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # the bulk task whose change this pending number is (it counts it down when it settles)
    bulk_task_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    carrier_line_option_status: Mapped[str | None] = mapped_column(String(16))
    carrier_line_option_propagated_at: Mapped[datetime | None] = mapped_column(TS)
    carrier_line_option_error: Mapped[str | None] = mapped_column(Text)
    # what the provider is known to hold, and the reconciler's bookkeeping
    linked_campaign_ref: Mapped[str | None] = mapped_column(Text)
    sync_phase: Mapped[str | None] = mapped_column(String(16))
    next_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    # inventory: the provider's messaging profile of the number, and when it left the account
    messaging_profile_id: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[datetime | None] = mapped_column(TS)
    # time of the newest provider status applied (poll or webhook): older events are ignored
    provider_status_at: Mapped[datetime | None] = mapped_column(TS)
