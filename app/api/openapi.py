"""Error documentation for routes: every error code an operation can return, per status."""

from collections import defaultdict
from typing import Any

from app.api.envelope import ErrorEnvelope
from app.kit.errors import (
    Forbidden,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InternalError,
    NumlinkError,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.kit.text import NO_CONTROL_PATTERN

READ_ERRORS: tuple[type[NumlinkError], ...] = (
    Unauthorized,
    Forbidden,
    ValidationFailed,
    RateLimited,
    InternalError,
)
WRITE_ERRORS: tuple[type[NumlinkError], ...] = (
    *READ_ERRORS,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    PayloadTooLarge,
    UnsupportedMediaType,
)


def errors_doc(*errors: type[NumlinkError], write: bool = False) -> dict[int | str, Any]:
    by_status: dict[int, list[type[NumlinkError]]] = defaultdict(list)
    for error in (*(WRITE_ERRORS if write else READ_ERRORS), *errors):
        if error not in by_status[error.status_code]:
            by_status[error.status_code].append(error)
    doc: dict[int | str, Any] = {}
    for status, group in sorted(by_status.items()):
        codes = ", ".join(e.code for e in group)
        doc[status] = {
            "model": ErrorEnvelope,
            "description": f"Error codes: {codes}",
            "content": {
                "application/json": {
                    "examples": {
                        e.code: {
                            "value": {
                                "success": False,
                                "error": {
                                    "code": e.code,
                                    "message": e.default_message,
                                    "request_id": "01JTBQH2FZ8K1RXC0WJ4Z9P3VM",
                                },
                            }
                        }
                        for e in group
                    }
                }
            },
        }
    return doc


def with_strict_strings(spec: dict[str, Any]) -> dict[str, Any]:
    """Every string a request may carry (path, query, body), unless its schema already says
    more (a pattern, an enum, a format), is documented as free of control characters."""
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                _no_control_characters(parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _no_control_characters(content.get("schema", {}))
    return spec


def _no_control_characters(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"pattern", "enum", "format", "const"} & set(schema):
        schema["pattern"] = NO_CONTROL_PATTERN  # documents what RequestSchema and params enforce
    for key in ("properties",):
        for sub in schema.get(key, {}).values():
            _no_control_characters(sub)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _no_control_characters(sub)
    _no_control_characters(schema.get("items"))
