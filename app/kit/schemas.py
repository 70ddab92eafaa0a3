"""Base classes for request and response schemas."""

from pydantic import BaseModel, ConfigDict


class RequestSchema(BaseModel):
    """Strict JSON input: unknown fields and wrong types are errors, never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)
