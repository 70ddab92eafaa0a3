"""Inventory routes: sync an account's numbers, register many numbers at once."""

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ok
from app.api.openapi import errors_doc
from app.api.routing import UnitOfWorkRoute, request_session
from app.bulk.schemas import BulkTaskOut
from app.inventory import service
from app.inventory.schemas import BatchRegister, SyncRequest
from app.kit.errors import ProviderNotConfigured, UnsupportedByProvider

router = APIRouter(prefix="/v1/phone-numbers", tags=["inventory"], route_class=UnitOfWorkRoute)


@router.post(
    "/sync",
    status_code=202,
    response_model=Envelope[BulkTaskOut],
    responses=errors_doc(ProviderNotConfigured, UnsupportedByProvider, write=True),
    openapi_extra=body_doc(SyncRequest),
    summary="Import and refresh every number of the org's provider account (a sync task)",
)
async def sync_numbers(
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: SyncRequest = Depends(json_body(SyncRequest)),
) -> Response:
    task = await service.start_sync(
        request_session(request), auth.tenant, request.app.state.providers, body.provider
    )
    return ok(task, 202)


@router.post(
    "/batch",
    status_code=202,
    response_model=Envelope[BulkTaskOut],
    responses=errors_doc(ProviderNotConfigured, write=True),
    openapi_extra=body_doc(BatchRegister),
    summary="Register up to 10,000 numbers (a register task with per-number items)",
)
async def batch_register(
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: BatchRegister = Depends(json_body(BatchRegister)),
) -> Response:
    task = await service.batch_register(
        request_session(request), auth.tenant, request.app.state.providers, body
    )
    return ok(task, 202)
