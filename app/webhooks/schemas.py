import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from app.kit.schemas import RequestSchema, ResponseSchema
from app.webhooks.signing import is_valid_secret

MAX_URL_LENGTH = 2048


def _http_url(value: str) -> str:
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("must not contain whitespace or control characters")
    parts = urlsplit(value)  # .port raises ValueError on a malformed port
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("must be an absolute http(s) URL")
    return value


def _whsec(value: str) -> str:
    if not is_valid_secret(value):
        raise ValueError("must be whsec_ followed by base64 of 24 to 64 bytes")
    return value


EndpointUrl = Annotated[
    str,
    Field(
        max_length=MAX_URL_LENGTH,
        json_schema_extra={"format": "uri", "pattern": "^https?://[^/?#]+"},
    ),
    AfterValidator(_http_url),
]


class EndpointCreate(RequestSchema):
    url: EndpointUrl
    description: Annotated[str, Field(max_length=500)] | None = None


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
