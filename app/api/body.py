"""Request bodies are parsed by a dependency that runs after authentication.

FastAPI would otherwise decode the JSON before any dependency, answering 422 before 401.
"""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from app.api.handlers import details_of
from app.kit.errors import UnsupportedMediaType, ValidationFailed
from app.kit.schemas import CONTROL_CHARACTERS_ERROR

M = TypeVar("M", bound=BaseModel)


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    async def parse_body(request: Request) -> M:
        raw = await request.body()
        if raw and not is_json(request.headers.get("content-type")):
            raise UnsupportedMediaType()
        if not raw.strip():
            raise ValidationFailed(
                "request body is required", details={"body": "a JSON object is required"}
            )
        try:
            return model.model_validate_json(raw, context=request.app.state.validation_context)
        except ValidationError as exc:
            raise ValidationFailed(details=details_of(_json_errors(exc))) from None

    parse_body.__name__ = f"parse_{model.__name__}"
    return parse_body


def _json_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            errors.append(
                {"loc": ("body",), "msg": f"malformed JSON: {error['ctx'].get('error', '')}"}
            )
        elif error["type"] == "model_type":
            errors.append({"loc": ("body",), "msg": "must be a JSON object"})
        elif error["type"] == CONTROL_CHARACTERS_ERROR:  # one error naming every field
            for field, problem in error["ctx"]["problems"].items():
                errors.append({"loc": (*error["loc"], field), "msg": problem})
        else:
            errors.append(dict(error))
    return errors


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for routes that parse their body with ``json_body``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
