from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import SeqPageParams, ok_list, seq_page, seq_page_params
from app.api.routing import UnitOfWorkRoute, request_session
from app.bulk import service
from app.bulk.repository import BulkTaskRepository
from app.bulk.schemas import BulkDryRunOut, BulkItemOut, BulkRequest, BulkTaskOut, Outcome
from app.kit.errors import NotFound
from app.kit.ids import parse_id
from app.links.rules import CAMPAIGN_ERRORS
from app.links.service import Operation

router = APIRouter(tags=["bulk"], route_class=UnitOfWorkRoute)
BULK_PATH = "/v1/campaigns/{campaign_id}/phone-numbers"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": Envelope[BulkTaskOut], "description": "Recorded; propagation follows"},
    200: {"model": Envelope[BulkDryRunOut], "description": "Dry run: nothing was changed"},
}


async def _bulk(
    operation: Operation,
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
        **errors_doc(*CAMPAIGN_ERRORS, write=True),
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
    repo = BulkTaskRepository(request_session(request), auth.tenant)
    task = await repo.get_or_404(parse_id(task_id))
    return ok(await service.task_out(repo, task))


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
    page: SeqPageParams = Depends(seq_page_params),
) -> Response:
    repo = BulkTaskRepository(request_session(request), auth.tenant)
    task = await repo.get_or_404(parse_id(task_id))
    rows = await repo.items(task, outcome=outcome, after_seq=page.after_seq, limit=page.limit + 1)
    total = task.total if outcome is None else await repo.count_outcome(task, outcome)
    items, meta = seq_page(rows, page.limit, total)
    return await ok_list(repo.session, auth.tenant, [service.item_out(r) for r in items], meta)
