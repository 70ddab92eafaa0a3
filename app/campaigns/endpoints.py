import uuid

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok, ok_list
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, page_params, paginate
from app.api.routing import UnitOfWorkRoute, request_session
from app.campaigns import service
from app.campaigns.repository import CampaignRepository
from app.campaigns.schemas import CampaignImport, CampaignOut
from app.db.models import Campaign, CampaignStatus
from app.kit.errors import Conflict, NotFound, ProviderError, ProviderNotConfigured
from app.kit.ids import parse_id

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=UnitOfWorkRoute)


@router.post(
    "",
    status_code=201,
    response_model=Envelope[CampaignOut],
    responses={
        200: {"model": Envelope[CampaignOut], "description": "Already imported: refreshed"},
        **errors_doc(NotFound, Conflict, ProviderNotConfigured, ProviderError, write=True),
    },
    openapi_extra=body_doc(CampaignImport),
    summary="Import a campaign of an imported brand",
)
async def import_campaign(
    request: Request,
    auth: AuthContext = Depends(authorize("campaigns:write")),
    body: CampaignImport = Depends(json_body(CampaignImport)),
) -> Response:
    campaign, created = await service.import_campaign(
        request_session(request), auth.tenant, request.app.state.providers, body
    )
    return ok(CampaignOut.model_validate(campaign), 201 if created else 200)


@router.get(
    "", response_model=ListEnvelope[CampaignOut], responses=errors_doc(), summary="List campaigns"
)
async def list_campaigns(
    request: Request,
    auth: AuthContext = Depends(authorize("campaigns:read")),
    page: PageParams = Depends(page_params),
    brand_id: uuid.UUID | None = Query(None),
    status: CampaignStatus | None = Query(None),
) -> Response:
    repo = CampaignRepository(request_session(request), auth.tenant)
    stmt = repo.list_query(brand_id=brand_id, status=status.value if status else None)
    rows, meta = await paginate(repo.session, stmt, Campaign.id, page)
    return ok_list([CampaignOut.model_validate(r) for r in rows], meta)


@router.get(
    "/{campaign_id}",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound),
    summary="Get a campaign",
)
async def get_campaign(
    campaign_id: str, request: Request, auth: AuthContext = Depends(authorize("campaigns:read"))
) -> Response:
    repo = CampaignRepository(request_session(request), auth.tenant)
    return ok(CampaignOut.model_validate(await repo.get_or_404(parse_id(campaign_id))))


@router.post(
    "/{campaign_id}/refresh",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, ProviderError, write=True),
    summary="Read the campaign again from its provider",
)
async def refresh_campaign(
    campaign_id: str, request: Request, auth: AuthContext = Depends(authorize("campaigns:write"))
) -> Response:
    campaign = await service.refresh_campaign(
        request_session(request), auth.tenant, request.app.state.providers, parse_id(campaign_id)
    )
    return ok(CampaignOut.model_validate(campaign))
