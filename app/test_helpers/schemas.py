from typing import Literal

from pydantic import Field

from app.db.models import CampaignStatus, IdentityStatus
from app.kit.schemas import FreeText, RequestSchema


class SetIdentityStatus(RequestSchema):
    identity_status: IdentityStatus


class SetCampaignStatus(RequestSchema):
    status: CampaignStatus


class SetAssignment(RequestSchema):
    assigned: bool


class CarrierOutcome(RequestSchema):
    outcome: Literal["propagated", "failed"]
    reason: FreeText | None = Field(default=None, max_length=500)
