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
