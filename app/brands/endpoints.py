from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok, ok_list
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, page_params, paginate
from app.api.routing import UnitOfWorkRoute, request_session
from app.brands import service
from app.brands.repository import BrandRepository
from app.brands.schemas import BrandImport, BrandOut
from app.db.models import Brand
from app.kit.errors import NotFound, ProviderError, ProviderNotConfigured
from app.kit.ids import parse_id

router = APIRouter(prefix="/v1/brands", tags=["brands"], route_class=UnitOfWorkRoute)


@router.post(
    "",
    status_code=201,
    response_model=Envelope[BrandOut],
    responses={
        200: {"model": Envelope[BrandOut], "description": "Already imported: refreshed"},
        **errors_doc(ProviderNotConfigured, ProviderError, write=True),
    },
    openapi_extra=body_doc(BrandImport),
    summary="Import a brand from its provider",
)
async def import_brand(
    request: Request,
    auth: AuthContext = Depends(authorize("brands:write")),
    body: BrandImport = Depends(json_body(BrandImport)),
) -> Response:
    brand, created = await service.import_brand(
        request_session(request), auth.tenant, request.app.state.providers, body
    )
    return ok(BrandOut.model_validate(brand), 201 if created else 200)


@router.get(
    "", response_model=ListEnvelope[BrandOut], responses=errors_doc(), summary="List brands"
)
async def list_brands(
    request: Request,
    auth: AuthContext = Depends(authorize("brands:read")),
    page: PageParams = Depends(page_params),
) -> Response:
    repo = BrandRepository(request_session(request), auth.tenant)
    rows, meta = await paginate(repo.session, repo.list_query(), Brand.id, page)
    return ok_list([BrandOut.model_validate(r) for r in rows], meta)


@router.get(
    "/{brand_id}",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound),
    summary="Get a brand",
)
async def get_brand(
    brand_id: str, request: Request, auth: AuthContext = Depends(authorize("brands:read"))
) -> Response:
    repo = BrandRepository(request_session(request), auth.tenant)
    return ok(BrandOut.model_validate(await repo.get_or_404(parse_id(brand_id))))


@router.post(
    "/{brand_id}/refresh",
    response_model=Envelope[BrandOut],
    responses=errors_doc(NotFound, ProviderNotConfigured, ProviderError, write=True),
    summary="Read the brand again from its provider",
)
async def refresh_brand(
    brand_id: str, request: Request, auth: AuthContext = Depends(authorize("brands:write"))
) -> Response:
    brand = await service.refresh_brand(
        request_session(request), auth.tenant, request.app.state.providers, parse_id(brand_id)
    )
    return ok(BrandOut.model_validate(brand))
