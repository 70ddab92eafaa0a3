"""Test helpers for the sandbox account (test mode only): what numbers it holds, and what it
holds on campaigns, so drift can be made without a real provider."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field, StringConstraints
from starlette.responses import Response

from app.api.auth import AuthContext
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ok
from app.api.openapi import errors_doc
from app.api.routing import UnitOfWorkRoute
from app.kit.phone import E164_JSON_PATTERN
from app.kit.schemas import RequestSchema, ResponseSchema
from app.provider_accounts.registry import ProviderRegistry
from app.test_helpers.endpoints import authorize_test_mode
from providers.base import CarrierSimulator, InventoryKeeper

MAX_NUMBERS = 100_000
E164 = Annotated[str, StringConstraints(pattern=E164_JSON_PATTERN, max_length=16)]

router = APIRouter(prefix="/v1/test-helpers", tags=["test helpers"], route_class=UnitOfWorkRoute)


class HoldNumbers(RequestSchema):
    numbers: list[E164] = Field(min_length=1, max_length=MAX_NUMBERS)
    messaging_profile_id: str | None = Field(default=None, min_length=1, max_length=128)
    assigned: bool = True


class ReleaseNumbers(RequestSchema):
    numbers: list[E164] = Field(min_length=1, max_length=MAX_NUMBERS)


class SetProviderLink(RequestSchema):
    number: E164
    provider_campaign_id: str | None = Field(min_length=1, max_length=128)


class InventoryChange(ResponseSchema):
    numbers: int  # how many numbers the change concerned


class ProviderLinkOut(ResponseSchema):
    number: str
    provider_campaign_id: str | None


def _sandbox(request: Request, auth: AuthContext) -> InventoryKeeper:
    registry: ProviderRegistry = request.app.state.providers
    provider = registry.stand_in(auth.tenant, registry.catalog.test_stand_in.name)
    assert isinstance(provider, InventoryKeeper)  # the test-mode provider keeps an account
    return provider


@router.post(
    "/inventory",
    response_model=Envelope[InventoryChange],
    responses=errors_doc(write=True),
    openapi_extra=body_doc(HoldNumbers),
    summary="Put numbers on the sandbox account (with a messaging profile, assigned or not)",
)
async def hold_numbers(
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("numbers:write")),
    body: HoldNumbers = Depends(json_body(HoldNumbers)),
) -> Response:
    await _sandbox(request, auth).hold(body.numbers, body.messaging_profile_id, body.assigned)
    return ok(InventoryChange(numbers=len(set(body.numbers))))


@router.post(
    "/inventory/release",
    response_model=Envelope[InventoryChange],
    responses=errors_doc(write=True),
    openapi_extra=body_doc(ReleaseNumbers),
    summary="Take numbers off the sandbox account, as a release at the provider would",
)
async def release_numbers(
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("numbers:write")),
    body: ReleaseNumbers = Depends(json_body(ReleaseNumbers)),
) -> Response:
    await _sandbox(request, auth).release(body.numbers)
    return ok(InventoryChange(numbers=len(set(body.numbers))))


@router.post(
    "/provider-links",
    response_model=Envelope[ProviderLinkOut],
    responses=errors_doc(write=True),
    openapi_extra=body_doc(SetProviderLink),
    summary="Set the campaign the sandbox provider holds for a number (null: none)",
)
async def set_provider_link(
    request: Request,
    auth: AuthContext = Depends(authorize_test_mode("numbers:write")),
    body: SetProviderLink = Depends(json_body(SetProviderLink)),
) -> Response:
    provider = _sandbox(request, auth)
    assert isinstance(provider, CarrierSimulator)
    # numlink's row is left as it is: this is drift, for an audit to find
    await provider.settle_now(body.number, body.provider_campaign_id, None)
    return ok(ProviderLinkOut(number=body.number, provider_campaign_id=body.provider_campaign_id))
