from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo
from pydantic.functional_validators import AfterValidator
from pydantic_core import PydanticCustomError

from app.kit.schemas import RequestSchema, ResponseSchema
from providers.catalog import DESCRIPTORS

# What the docs show; requests are checked against the running gateway's own catalog, which
# the body parser passes as validation context (``providers``).
DOCUMENTED_PROVIDERS = [d.name for d in DESCRIPTORS]


def _known_provider(value: str, info: ValidationInfo) -> str:
    known: tuple[str, ...] = (info.context or {}).get("providers", ())
    if value not in known:
        raise PydanticCustomError(
            "unknown_provider",
            "unknown provider '{name}'; one of {known}",
            {"name": value, "known": ", ".join(known)},
        )
    return value


ProviderName = Annotated[
    str,
    Field(max_length=32, json_schema_extra={"enum": DOCUMENTED_PROVIDERS}),
    AfterValidator(_known_provider),
]


class ProviderAccountSet(RequestSchema):
    """The provider's credentials (its own fields, see docs/providers.md) and an optional
    request rate; the credentials are checked against the provider's schema."""

    model_config = ConfigDict(extra="allow", strict=True)

    rate_per_s: float | None = Field(default=None, gt=0, le=10_000)

    def credentials(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ProviderAccountOut(ResponseSchema):
    provider: str
    credentials_hint: str
    rate_per_s: float
    webhook_url: str
    created_at: datetime
    updated_at: datetime
