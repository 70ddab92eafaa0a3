import uuid
from datetime import datetime

from pydantic import Field

from app.db.models import IdentityStatus
from app.kit.schemas import RequestSchema, ResponseSchema
from app.provider_accounts.schemas import ProviderName


class BrandImport(RequestSchema):
    provider: ProviderName
    provider_brand_id: str = Field(min_length=1, max_length=255)


class BrandOut(ResponseSchema):
    id: uuid.UUID
    provider: str
    provider_brand_id: str
    display_name: str | None
    identity_status: IdentityStatus
    status: str
    created_at: datetime
    updated_at: datetime
