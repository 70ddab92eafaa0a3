import uuid
from datetime import datetime

from pydantic import Field

from app.db.models import CampaignStatus
from app.kit.schemas import RequestSchema, ResponseSchema


class CampaignImport(RequestSchema):
    brand_id: uuid.UUID
    provider_campaign_id: str = Field(min_length=1, max_length=255)


class CampaignOut(ResponseSchema):
    id: uuid.UUID
    brand_id: uuid.UUID
    provider: str
    provider_campaign_id: str
    tcr_campaign_id: str | None
    usecase: str | None
    status: CampaignStatus
    provider_status: str | None
    created_at: datetime
    updated_at: datetime
