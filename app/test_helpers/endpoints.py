"""Test helpers (test mode only; 404 with a live key)."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ok
from app.api.openapi import errors_doc
from app.api.routing import UnitOfWorkRoute, request_session
from app.brands.schemas import BrandOut
from app.campaigns.schemas import CampaignOut
from app.kit.errors import Conflict, NotFound
from app.kit.ids import parse_id
from app.numbers.schemas import NumberOut
from app.test_helpers import service
from app.test_helpers.schemas import (
    CarrierOutcome,
    SetAssignment,
    SetCampaignStatus,
    SetIdentityStatus,
)


def authorize_test_mode(scope: str) -> Callable[..., Awaitable[AuthContext]]:
    """401 and 403 as everywhere, then 404 for a live key: the helpers do not exist there."""

    async def authorized_in_test_mode(
        auth: AuthContext = Depends(authorize(scope)),
    ) -> AuthContext:
        service.require_test_mode(auth.tenant)
        return auth

    return authorized_in_test_mode


router = APIRouter(prefix="/v1/test-helpers", tags=["test helpers"], route_class=UnitOfWorkRoute)


@router.post(
    "/brands/{brand_id}/identity-status",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound, write=True),
    openapi_extra=body_doc(SetIdentityStatus),
    summary="Set a test brand's identity status (and, optionally, its status)",
)
async def set_identity_status(
    brand_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("brands:write")),
    body: SetIdentityStatus = Depends(json_body(SetIdentityStatus)),
) -> Response:
    brand = await service.set_brand_state(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(brand_id),
        body,
    )
    return ok(BrandOut.model_validate(brand))


@router.post(
    "/campaigns/{campaign_id}/status",
    response_model=Envelope[CampaignOut],
    responses=errors_doc(NotFound, write=True),
    openapi_extra=body_doc(SetCampaignStatus),
    summary="Set a test campaign's status",
)
async def set_campaign_status(
    campaign_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("campaigns:write")),
    body: SetCampaignStatus = Depends(json_body(SetCampaignStatus)),
) -> Response:
    campaign = await service.set_campaign_status(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(campaign_id),
        body.status,
    )
    return ok(CampaignOut.model_validate(campaign))


@router.post(
    "/phone-numbers/{number_id}/assignment",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound, write=True),
    openapi_extra=body_doc(SetAssignment),
    summary="Set whether a test number is assigned at its provider",
)
async def set_assignment(
    number_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("numbers:write")),
    body: SetAssignment = Depends(json_body(SetAssignment)),
) -> Response:
    number = await service.set_assignment(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(number_id),
        body.assigned,
    )
    return ok(NumberOut.model_validate(number))


@router.post(
    "/phone-numbers/{number_id}/carrier-outcome",
    response_model=Envelope[NumberOut],
    responses=errors_doc(NotFound, Conflict, write=True),
    openapi_extra=body_doc(CarrierOutcome),
    summary="Settle a test number's pending propagation now",
)
async def settle_propagation(
    number_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("numbers:write")),
    body: CarrierOutcome = Depends(json_body(CarrierOutcome)),
) -> Response:
    number = await service.settle_propagation(
        request_session(request),
        auth.tenant,
        request.app.state.providers,
        parse_id(number_id),
        body,
    )
    return ok(NumberOut.model_validate(number))
