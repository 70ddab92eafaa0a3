from typing import Literal

from pydantic import Field, model_validator

from app.db.models import BrandStatus, CampaignStatus, IdentityStatus
from app.kit.schemas import FreeText, RequestSchema


class SetIdentityStatus(RequestSchema):
    """The brand's identity status, its status, or both."""

    identity_status: IdentityStatus | None = None
    status: BrandStatus | None = None

    @model_validator(mode="after")
    def _something(self) -> "SetIdentityStatus":
        if self.identity_status is None and self.status is None:
            raise ValueError("give identity_status, status or both")
        return self


class SetCampaignStatus(RequestSchema):
    status: CampaignStatus


class SetAssignment(RequestSchema):
    assigned: bool


class CarrierOutcome(RequestSchema):
    outcome: Literal["propagated", "failed"]
    reason: FreeText | None = Field(default=None, max_length=500)
