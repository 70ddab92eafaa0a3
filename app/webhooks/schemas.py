import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from app.kit.schemas import FreeText, RequestSchema, ResponseSchema
from app.kit.urls import WebhookUrl
from app.webhooks.signing import is_valid_secret


def _whsec(value: str) -> str:
    if not is_valid_secret(value):
        raise ValueError("must be whsec_ followed by base64 of 24 to 64 bytes")
    return value


class EndpointCreate(RequestSchema):
    url: WebhookUrl
    description: Annotated[FreeText, Field(max_length=500)] | None = None


class SecretRotate(RequestSchema):
    """The body is optional: without ``secret`` a new one is generated."""

    secret: Annotated[str, AfterValidator(_whsec)] | None = Field(
        default=None, description="A secret of your own (whsec_…); generated when omitted."
    )


class EndpointOut(ResponseSchema):
    id: uuid.UUID
    url: str
    description: str | None
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    """Only the create and rotate responses carry the secret."""

    secret: str


class SigningSecretOut(ResponseSchema):
    secret: str
    created_at: datetime
