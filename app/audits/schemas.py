import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from app.bulk.schemas import AuditCounts, TaskStatus
from app.kit.schemas import RequestSchema, ResponseSchema
from app.provider_accounts.schemas import ProviderName

FindingKind = Literal[
    "missing_at_provider",
    "unknown_to_numlink",
    "wrong_campaign",
    "status_mismatch",
    "not_on_campaign",
]


class AuditRequest(RequestSchema):
    """``campaign_id`` (one campaign) or ``provider`` (every campaign of it); with
    ``messaging_profile_id``, ``campaign_id`` is the campaign every number of the profile (a
    number pool) must be on."""

    campaign_id: uuid.UUID | None = None
    provider: ProviderName | None = None
    messaging_profile_id: str | None = Field(default=None, min_length=1, max_length=128)
    repair: bool = False


class AuditOut(ResponseSchema):
    id: uuid.UUID
    status: TaskStatus
    campaign_id: uuid.UUID | None
    provider: str
    messaging_profile_id: str | None
    repair: bool
    counts: AuditCounts
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class FindingOut(ResponseSchema):
    number: str
    phone_number_id: uuid.UUID | None  # None: the number is unknown to numlink
    kind: FindingKind
    numlink_campaign_id: uuid.UUID | None  # the campaign numlink wants on the number
    provider_campaign_id: str | None  # the campaign the provider holds it on (its own id)
    repaired: bool  # numlink set about bringing the number back to its desired state
