"""Health, readiness and metrics: unauthenticated, outside the /v1 API."""

from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response

from app.api.envelope import JSONBody, error_response
from app.api.handlers import request_id_of
from app.api.params import PUBLIC
from app.db.migrations import alembic_config

router = APIRouter(tags=["operations"], dependencies=PUBLIC)


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return JSONBody({"success": True, "data": {"status": "ok"}})


@lru_cache(maxsize=1)
def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


@router.get("/readyz", summary="The database is reachable and migrated to head")
async def readyz(request: Request) -> Response:
    engine: AsyncEngine = request.app.state.engine
    head = _head_revision()
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_revision)
    except Exception as exc:
        return _not_ready(request, f"database unreachable: {type(exc).__name__}")
    if current != head:
        return _not_ready(request, f"database at revision {current}, code expects {head}")
    return JSONBody({"success": True, "data": {"status": "ready", "revision": current}})


def _not_ready(request: Request, message: str) -> Response:
    return error_response(
        status_code=503, code="NOT_READY", message=message, request_id=request_id_of(request)
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
