from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.responses import Response

from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, ok_list, page_params, paginate
from app.api.routing import UnitOfWorkRoute
from app.api.variants import json_body_variants, variants_doc
from app.brands import service
from app.brands.repository import BrandRepository
from app.brands.schemas import BrandImport, BrandOut, BrandRegister, BrandUpdate
from app.db.models import Brand
from app.kit.errors import (
    Conflict,
    NotFound,
    ProviderError,
    ProviderNotConfigured,
    ProviderRejected,
    UnsupportedByProvider,
)
from app.kit.ids import parse_id
from app.registration.context import Scope, registration_scope

router = APIRouter(prefix="/v1/brands", tags=["brands"], route_class=UnitOfWorkRoute)
# what a registration call to a provider can answer besides the usual
PROVIDER_ERRORS = (UnsupportedByProvider, ProviderRejected, ProviderNotConfigured, ProviderError)


def _import_or_register(body: dict[str, Any]) -> type[BaseModel]:
    return BrandImport if "provider_brand_id" in body else BrandRegister


@router.post(
    "",
    status_code=201,
    response_model=Envelope[BrandOut],
    responses={
        200: {
            "model": Envelope[BrandOut],
            "description": "Already imported (refreshed), or already registered with exactly"
            " these fields (the same brand)",
        },
        **errors_doc(Conflict, *PROVIDER_ERRORS, write=True),
    },
    openapi_extra=variants_doc(BrandRegister, BrandImport),
    summary="Register a brand at its provider, or import one by provider_brand_id",
)
async def create_brand(
    scope: Scope = Depends(registration_scope("brands:write")),
    body: BaseModel = Depends(json_body_variants(_import_or_register)),
) -> Response:
    if isinstance(body, BrandImport):
        brand, created = await service.import_brand(scope, body)
    else:
        assert isinstance(body, BrandRegister)
        brand, created = await service.register_brand(scope, body)
    return ok(BrandOut.model_validate(brand), 201 if created else 200)


@router.get(
    "", response_model=ListEnvelope[BrandOut], responses=errors_doc(), summary="List brands"
)
async def list_brands(
    scope: Scope = Depends(registration_scope("brands:read")),
    page: PageParams = Depends(page_params),
) -> Response:
    repo = BrandRepository(scope.session, scope.tenant)
    rows, meta = await paginate(repo.session, repo.list_query(), Brand.id, page)
    return await ok_list(
        scope.session, scope.tenant, [BrandOut.model_validate(r) for r in rows], meta
    )


@router.get(
    "/{brand_id}",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound),
    summary="Get a brand",
)
async def get_brand(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:read"))
) -> Response:
    repo = BrandRepository(scope.session, scope.tenant)
    return ok(BrandOut.model_validate(await repo.get_or_404(parse_id(brand_id))))


@router.patch(
    "/{brand_id}",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    openapi_extra=body_doc(BrandUpdate),
    summary="Re-submit changed brand fields to the provider",
)
async def update_brand(
    brand_id: str,
    scope: Scope = Depends(registration_scope("brands:write")),
    body: BrandUpdate = Depends(json_body(BrandUpdate)),
) -> Response:
    brand = await service.update_brand(
        scope,
        parse_id(brand_id),
        body,
    )
    return ok(BrandOut.model_validate(brand))


@router.delete(
    "/{brand_id}",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True),
    summary="Delete the brand at its provider (409 while it has campaigns not deactivated)",
)
async def delete_brand(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:write"))
) -> Response:
    brand = await service.delete_brand(scope, parse_id(brand_id))
    return ok(BrandOut.model_validate(brand))


@router.post(
    "/{brand_id}/refresh",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, ProviderError, write=True),
    summary="Read the brand again from its provider",
)
async def refresh_brand(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:write"))
) -> Response:
    brand = await service.refresh_brand(scope, parse_id(brand_id))
    return ok(BrandOut.model_validate(brand))
