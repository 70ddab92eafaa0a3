import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.responses import Response

from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, ok_list, page_params, paginate, unpaged
from app.api.routing import UnitOfWorkRoute
from app.api.variants import json_body_variants, variants_doc
from app.brands.endpoints import PROVIDER_ERRORS
from app.campaigns import actions, service
from app.campaigns.repository import CampaignRepository
from app.campaigns.schemas import (
    CampaignAppeal,
    CampaignImport,
    CampaignOut,
    CampaignRegister,
    CampaignUpdate,
    CarrierOut,
    SharedCampaignAccept,
)
from app.db.models import Campaign, CampaignStatus
from app.kit.errors import Conflict, NotFound, ProviderError, ProviderNotConfigured
from app.kit.ids import parse_id
from app.registration.context import Scope, registration_scope

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], route_class=UnitOfWorkRoute)


def _kind_of_body(body: dict[str, Any]) -> type[BaseModel]:
    if "provider_campaign_id" in body:
        return CampaignImport
    if "tcr_campaign_id" in body:
        return SharedCampaignAccept
    return CampaignRegister


@router.post(
    "",
    status_code=201,
    response_model=Envelope[CampaignOut],
    responses={
        200: {
            "model": Envelope[CampaignOut],
            "description": "Already imported or accepted (refreshed), or already registered"
            " with exactly these fields (the same campaign)",
        },
        **errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    },
    openapi_extra=variants_doc(CampaignRegister, CampaignImport, SharedCampaignAccept),
    summary="Register a campaign, import one by provider id, or accept one shared by TCR id",
)
async def create_campaign(
    scope: Scope = Depends(registration_scope("campaigns:write")),
    body: BaseModel = Depends(json_body_variants(_kind_of_body)),
) -> Response:
    if isinstance(body, CampaignImport):
        campaign, created = await service.import_campaign(scope, body)
    elif isinstance(body, SharedCampaignAccept):
        campaign, created = await service.accept_shared(scope, body)
    else:
        assert isinstance(body, CampaignRegister)
        campaign, created = await service.register_campaign(scope, body)
    return ok(CampaignOut.model_validate(campaign), 201 if created else 200)


@router.get(
    "", response_model=ListEnvelope[CampaignOut], responses=errors_doc(), summary="List campaigns"
)
async def list_campaigns(
    scope: Scope = Depends(registration_scope("campaigns:read")),
    page: PageParams = Depends(page_params),
    brand_id: uuid.UUID | None = Query(None),
    status: CampaignStatus | None = Query(None),
) -> Response:
    repo = CampaignRepository(scope.session, scope.tenant)
    stmt = repo.list_query(brand_id=brand_id, status=status.value if status else None)
    rows, meta = await paginate(repo.session, stmt, Campaign.id, page)
    return await ok_list(
        scope.session, scope.tenant, [CampaignOut.model_validate(r) for r in rows], meta
    )


@router.get(
    "/{campaign_id}",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound),
    summary="Get a campaign",
)
async def get_campaign(
    campaign_id: str, scope: Scope = Depends(registration_scope("campaigns:read"))
) -> Response:
    repo = CampaignRepository(scope.session, scope.tenant)
    return ok(CampaignOut.model_validate(await repo.get_or_404(parse_id(campaign_id))))


@router.patch(
    "/{campaign_id}",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    openapi_extra=body_doc(CampaignUpdate),
    summary="Change the campaign fields its provider lets change",
)
async def update_campaign(
    campaign_id: str,
    scope: Scope = Depends(registration_scope("campaigns:write")),
    body: CampaignUpdate = Depends(json_body(CampaignUpdate)),
) -> Response:
    campaign = await service.update_campaign(
        scope,
        parse_id(campaign_id),
        body,
    )
    return ok(CampaignOut.model_validate(campaign))


@router.delete(
    "/{campaign_id}",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    summary="Deactivate the campaign at its provider (409 while numbers are linked)",
)
async def deactivate_campaign(
    campaign_id: str,
    scope: Scope = Depends(registration_scope("campaigns:write")),
) -> Response:
    campaign = await service.deactivate_campaign(scope, parse_id(campaign_id))
    return ok(CampaignOut.model_validate(campaign))


@router.post(
    "/{campaign_id}/appeal",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    openapi_extra=body_doc(CampaignAppeal),
    summary="Ask for a rejected campaign to be reviewed again",
)
async def appeal_campaign(
    campaign_id: str,
    scope: Scope = Depends(registration_scope("campaigns:write")),
    body: CampaignAppeal = Depends(json_body(CampaignAppeal)),
) -> Response:
    campaign = await actions.appeal(
        scope,
        parse_id(campaign_id),
        body.reason,
    )
    return ok(CampaignOut.model_validate(campaign))


@router.get(
    "/{campaign_id}/carriers",
    response_model=ListEnvelope[CarrierOut],
    responses=errors_doc(NotFound, *PROVIDER_ERRORS),
    summary="The campaign's status and limits at each carrier (TPM, daily cap, tier)",
)
async def campaign_carriers(
    campaign_id: str, scope: Scope = Depends(registration_scope("campaigns:read"))
) -> Response:
    found = await actions.carriers(scope, parse_id(campaign_id))
    return await ok_list(scope.session, scope.tenant, list(found), unpaged(found))


@router.post(
    "/{campaign_id}/refresh",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, ProviderError, write=True),
    summary="Read the campaign again from its provider",
)
async def refresh_campaign(
    campaign_id: str,
    scope: Scope = Depends(registration_scope("campaigns:write")),
) -> Response:
    campaign = await service.refresh_campaign(scope, parse_id(campaign_id))
    return ok(CampaignOut.model_validate(campaign))
