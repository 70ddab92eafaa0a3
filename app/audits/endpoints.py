"""Audits: compare what providers hold on campaigns with numlink's rows, and repair."""

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import SeqPageParams, ok_list, seq_page, seq_page_params
from app.api.routing import UnitOfWorkRoute, request_session
from app.audits import service
from app.audits.repository import AuditRepository
from app.audits.schemas import AuditOut, AuditRequest, FindingKind, FindingOut
from app.bulk.repository import BulkTaskRepository
from app.kit.errors import NotFound, ProviderNotConfigured, UnsupportedByProvider
from app.kit.ids import parse_id

router = APIRouter(prefix="/v1/audits", tags=["audits"], route_class=UnitOfWorkRoute)


@router.post(
    "",
    status_code=202,
    response_model=Envelope[AuditOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, UnsupportedByProvider, write=True),
    openapi_extra=body_doc(AuditRequest),
    summary="Audit a campaign, a provider account or a number pool (and repair with repair)",
)
async def create_audit(
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: AuditRequest = Depends(json_body(AuditRequest)),
) -> Response:
    session = request_session(request)
    task = await service.audit_task(session, auth.tenant, request.app.state.providers, body)
    return ok(await service.audit_out(BulkTaskRepository(session, auth.tenant), task), 202)


@router.get(
    "/{audit_id}",
    response_model=Envelope[AuditOut],
    responses=errors_doc(NotFound),
    summary="Get an audit with exact counts of its findings",
)
async def get_audit(
    audit_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:read"))
) -> Response:
    repo = BulkTaskRepository(request_session(request), auth.tenant)
    task = await service.get_audit(repo, parse_id(audit_id))
    return ok(await service.audit_out(repo, task))


@router.get(
    "/{audit_id}/findings",
    response_model=ListEnvelope[FindingOut],
    responses=errors_doc(NotFound),
    summary="An audit's findings (cursor list)",
)
async def list_findings(
    audit_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:read")),
    kind: FindingKind | None = Query(None, description="Only findings of this kind."),
    page: SeqPageParams = Depends(seq_page_params),
) -> Response:
    session = request_session(request)
    task = await service.get_audit(BulkTaskRepository(session, auth.tenant), parse_id(audit_id))
    audit = AuditRepository(session, auth.tenant, task.id)
    rows: list[dict[str, Any]] = await audit.findings(kind, page.after_seq, page.limit + 1)
    found, meta = seq_page(rows, page.limit, await audit.total(kind))
    return await ok_list(session, auth.tenant, [FindingOut.model_validate(r) for r in found], meta)
