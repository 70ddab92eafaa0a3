"""The response envelope: ``{"success": true, "data", "meta"?}`` or
``{"success": false, "error"}``."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from starlette.responses import Response

T = TypeVar("T")


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str
    details: dict[str, str] | None = None


class ErrorEnvelope(BaseModel):
    success: bool = False
    error: ErrorBody


class ListMeta(BaseModel):
    total: int
    limit: int
    next_cursor: str | None
    # the newest event of the org and mode (AgentMessage style), set by app.api.pagination.ok_list
    last_event_at: datetime | None = None


class Envelope(BaseModel, Generic[T]):
    success: bool = True
    data: T


class ListEnvelope(BaseModel, Generic[T]):
    success: bool = True
    data: list[T]
    meta: ListMeta


def _dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else _dumps(content)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="python")


def ok(data: BaseModel | None, status_code: int = 200) -> JSONBody:
    return JSONBody({"success": True, "data": None if data is None else dump(data)}, status_code)


def ok_row(schema: type[BaseModel], row: Mapping[str, Any]) -> JSONBody:
    """A row already shaped by SQL: picks the schema's fields, skipping model validation
    (the hot attach path; orjson renders UUIDs and datetimes as pydantic would)."""
    return JSONBody({"success": True, "data": {name: row[name] for name in schema.model_fields}})


def error_response(
    *,
    status_code: int,
    code: str,
    message: str,
    request_id: str,
    details: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONBody:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if details:
        error["details"] = dict(details)
    return JSONBody({"success": False, "error": error}, status_code, headers=headers)
