from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.bulk import service
from app.bulk.repository import BulkTaskRepository, decode_cursor, encode_cursor
from app.bulk.schemas import BulkDryRunOut, BulkItemOut, BulkRequest, BulkTaskOut, Outcome
from app.kit.auth import authorize
from app.kit.body import body_doc, json_body
from app.kit.envelope import Envelope, ListEnvelope, ListMeta, ok, ok_list
from app.kit.errors import BrandNotVerified, CampaignNotActive, NotFound, ProviderNotConfigured
from app.kit.ids import parse_id
from app.kit.openapi import errors_doc
from app.kit.routing import UnitOfWorkRoute, request_session
from app.kit.tenancy import AuthContext

router = APIRouter(tags=["bulk"], route_class=UnitOfWorkRoute)
BULK_PATH = "/v1/campaigns/{campaign_id}/phone-numbers"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": Envelope[BulkTaskOut], "description": "Recorded; propagation follows"},
    200: {"model": Envelope[BulkDryRunOut], "description": "Dry run: nothing was changed"},
}


async def _bulk(
    operation: Literal["attach", "detach"],
    campaign_id: str,
    request: Request,
    auth: AuthContext,
    body: BulkRequest,
) -> Response:
    result = await service.create_bulk_task(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(campaign_id),
        operation,
        body,
    )
    return ok(result, 200 if isinstance(result, BulkDryRunOut) else 202)


@router.post(
    BULK_PATH,
    status_code=202,
    responses={
        **_RESPONSES,
        **errors_doc(
            NotFound, ProviderNotConfigured, CampaignNotActive, BrandNotVerified, write=True
        ),
    },
    openapi_extra=body_doc(BulkRequest),
    summary="Attach many numbers to the campaign (up to 100,000 per request)",
)
async def bulk_attach(
    campaign_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: BulkRequest = Depends(json_body(BulkRequest)),
) -> Response:
    return await _bulk("attach", campaign_id, request, auth, body)


@router.delete(
    BULK_PATH,
    status_code=202,
    responses={**_RESPONSES, **errors_doc(NotFound, write=True)},
    openapi_extra=body_doc(BulkRequest),
    summary="Detach many numbers from the campaign (same body as attach)",
)
async def bulk_detach(
    campaign_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: BulkRequest = Depends(json_body(BulkRequest)),
) -> Response:
    return await _bulk("detach", campaign_id, request, auth, body)


@router.get(
    "/v1/bulk-tasks/{task_id}",
    response_model=Envelope[BulkTaskOut],
    responses=errors_doc(NotFound),
    summary="Get a bulk task with exact counts",
)
async def get_bulk_task(
    task_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:read"))
) -> Response:
    session = request_session(request)
    task = await service.get_task(session, auth.tenant, parse_id(task_id))
    return ok(await service.task_out(BulkTaskRepository(session, auth.tenant), task))


@router.get(
    "/v1/bulk-tasks/{task_id}/items",
    response_model=ListEnvelope[BulkItemOut],
    responses=errors_doc(NotFound),
    summary="A bulk task's items in request order",
)
async def list_bulk_task_items(
    task_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:read")),
    outcome: Outcome | None = Query(None, description="Only items with this outcome."),
    limit: int = Query(100, ge=1, le=1000, description="Page size, 1-1000."),
    cursor: str | None = Query(None, description="`meta.next_cursor` of the previous page."),
) -> Response:
    session = request_session(request)
    task = await service.get_task(session, auth.tenant, parse_id(task_id))
    repo = BulkTaskRepository(session, auth.tenant)
    after = decode_cursor(cursor) if cursor else None
    rows = await repo.items(task, outcome=outcome, after_seq=after, limit=limit + 1)
    next_cursor = encode_cursor(rows[limit - 1]["seq"]) if len(rows) > limit else None
    total = task.total if outcome is None else await repo.count_outcome(task, outcome)
    meta = ListMeta(total=total, limit=limit, next_cursor=next_cursor)
    return ok_list([service.item_out(r) for r in rows[:limit]], meta)
