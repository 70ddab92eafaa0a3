from datetime import datetime

from pydantic import Field

from app.kit.schemas import RequestSchema, ResponseSchema


class ProviderAccountSet(RequestSchema):
    """Telnyx: ``api_key`` and ``public_key`` (the Ed25519 key that signs its webhooks, from
    the Mission Control portal). Plivo: ``auth_id`` and ``auth_token``."""

    api_key: str | None = Field(default=None, min_length=8, max_length=512)
    public_key: str | None = Field(default=None, min_length=40, max_length=64)
    auth_id: str | None = Field(default=None, min_length=4, max_length=64)
    auth_token: str | None = Field(default=None, min_length=8, max_length=512)
    rate_per_s: float | None = Field(default=None, gt=0, le=10_000)


class ProviderAccountOut(ResponseSchema):
    provider: str
    credentials_hint: str
    rate_per_s: float
    webhook_url: str
    created_at: datetime
    updated_at: datetime
