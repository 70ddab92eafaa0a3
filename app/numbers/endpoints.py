import uuid

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok, ok_row
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, ok_list, page_params, paginate
from app.api.routing import (
    SingleStatementRoute,
    UnitOfWorkRoute,
    request_database,
    request_session,
)
from app.db.models import PhoneNumber
from app.kit.errors import Conflict, NotFound, ProviderError, ProviderNotConfigured
from app.kit.ids import parse_id
from app.links import service as links
from app.links.rules import ATTACH_ERRORS
from app.numbers import service
from app.numbers.repository import PhoneNumberRepository
from app.numbers.schemas import (
    AttachCampaign,
    LineStatusName,
    NumberOut,
    NumberRegister,
    NumberType,
    NumberUpdate,
)

router = APIRouter(prefix="/v1/phone-numbers", tags=["phone numbers"], route_class=UnitOfWorkRoute)
# attach and detach write with one statement each (see SingleStatementRoute)
link_router = APIRouter(
    prefix="/v1/phone-numbers", tags=["phone numbers"], route_class=SingleStatementRoute
)


@router.post(
    "",
    status_code=201,
    response_model=Envelope[NumberOut],
    responses=errors_doc(Conflict, ProviderNotConfigured, ProviderError, write=True),
    openapi_extra=body_doc(NumberRegister),
    summary="Register a number the org holds at a provider",
)
async def register_number(
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: NumberRegister = Depends(json_body(NumberRegister)),
) -> Response:
    number = await service.register_number(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        request.app.state.settings,
        body,
    )
    return ok(NumberOut.model_validate(number), 201)


@router.get(
    "", response_model=ListEnvelope[NumberOut], responses=errors_doc(), summary="List numbers"
)
async def list_numbers(
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:read")),
    page: PageParams = Depends(page_params),
    campaign_id: uuid.UUID | None = Query(None),
    number_type: NumberType | None = Query(None),
    carrier_line_option_status: LineStatusName | None = Query(None),
    provider: str | None = Query(None, max_length=32, description="A provider name."),
    number: str | None = Query(None, max_length=32, description="An E.164 number, exactly."),
    label: str | None = Query(None, max_length=255, description="The label, exactly."),
    assigned: bool | None = Query(None),
    messaging_profile_id: str | None = Query(None, max_length=128),
) -> Response:
    if provider is not None:
        request.app.state.providers.descriptor(provider)  # 422 for an unknown name
    repo = PhoneNumberRepository(request_session(request), auth.tenant)
    stmt = repo.list_query(
        campaign_id=campaign_id,
        number_type=number_type,
        line_status=carrier_line_option_status,
        provider=provider,
        number=number,
        label=label,
        assigned=assigned,
        messaging_profile_id=messaging_profile_id,
    )
    rows, meta = await paginate(repo.session, stmt, PhoneNumber.id, page)
    return await ok_list(
        repo.session, auth.tenant, [NumberOut.model_validate(r) for r in rows], meta
    )


@router.get(
    "/{number_id}",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound),
    summary="Get a number",
)
async def get_number(
    number_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:read"))
) -> Response:
    repo = PhoneNumberRepository(request_session(request), auth.tenant)
    return ok(NumberOut.model_validate(await repo.get_or_404(parse_id(number_id))))


@router.delete(
    "/{number_id}",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound, Conflict, write=True),
    summary="Stop managing a number (409 while it has a campaign or pending work)",
)
async def delete_number(
    number_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:write"))
) -> Response:
    number = await service.delete_number(request_session(request), auth.tenant, parse_id(number_id))
    return ok(NumberOut.model_validate(number))


@router.post(
    "/{number_id}/refresh",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, ProviderError, write=True),
    summary="Re-read the number at its provider now (assigned, messaging profile, release)",
)
async def refresh_number(
    number_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:write"))
) -> Response:
    number = await service.refresh_number(
        request_session(request), auth.tenant, request.app.state.providers, parse_id(number_id)
    )
    return ok(NumberOut.model_validate(number))


@router.patch(
    "/{number_id}",
    response_model=Envelope[NumberOut],
    responses=errors_doc(*ATTACH_ERRORS, write=True),
    openapi_extra=body_doc(NumberUpdate),
    summary="Update inbound_url, status_url, label or campaign_id (all or nothing)",
)
async def update_number(
    number_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: NumberUpdate = Depends(json_body(NumberUpdate)),
) -> Response:
    state = request.app.state
    number = await service.update_number(
        request_session(request),
        auth.tenant,
        state.providers,
        state.settings,
        parse_id(number_id),
        body,
    )
    return ok(NumberOut.model_validate(number))


@link_router.post(
    "/{number_id}/campaign",
    response_model=Envelope[NumberOut],
    responses=errors_doc(*ATTACH_ERRORS, write=True),
    openapi_extra=body_doc(AttachCampaign),
    summary="Attach a campaign to a number (ordered checks; idempotent; atomic move)",
)
async def attach_campaign(
    number_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("numbers:write")),
    body: AttachCampaign = Depends(json_body(AttachCampaign)),
) -> Response:
    row = await links.attach_campaign(
        request_database(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(number_id),
        body.campaign_id,
    )
    return ok_row(NumberOut, row)


@link_router.delete(
    "/{number_id}/campaign",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound, write=True),
    summary="Detach the number's campaign (idempotent)",
)
async def detach_campaign(
    number_id: str, request: Request, auth: AuthContext = Depends(authorize("numbers:write"))
) -> Response:
    row = await links.detach_campaign(request_database(request), auth.tenant, parse_id(number_id))
    return ok_row(NumberOut, row)
