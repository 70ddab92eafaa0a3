from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import ok_list, unpaged
from app.api.routing import UnitOfWorkRoute, request_session
from app.kit.errors import NotFound
from app.provider_accounts import service
from app.provider_accounts.repository import ProviderAccountRepository
from app.provider_accounts.schemas import ProviderAccountOut, ProviderAccountSet
from providers.catalog import DESCRIPTORS

router = APIRouter(
    prefix="/v1/provider-accounts", tags=["provider accounts"], route_class=UnitOfWorkRoute
)


def _account_body_doc() -> dict[str, Any]:
    """One schema per provider with accounts: its credentials and the optional rate."""
    variants = []
    for descriptor in DESCRIPTORS:
        if descriptor.credentials_model is None:
            continue
        schema = descriptor.credentials_model.model_json_schema()
        schema["title"] = f"{descriptor.name} account"
        schema["properties"]["rate_per_s"] = {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 10_000,
            "description": "Requests per second to this provider, shared by all workers.",
        }
        variants.append(schema)
    content = {"application/json": {"schema": {"oneOf": variants}}}
    return {"requestBody": {"required": True, "content": content}}


@router.put(
    "/{provider}",
    response_model=Envelope[ProviderAccountOut],
    responses=errors_doc(write=True),
    openapi_extra=_account_body_doc(),
    summary="Set the org's credentials at a provider (live mode)",
)
async def put_provider_account(
    provider: str,
    request: Request,
    auth: AuthContext = Depends(authorize("providers:write")),
    body: ProviderAccountSet = Depends(json_body(ProviderAccountSet)),
) -> Response:
    state = request.app.state
    catalog = state.providers.catalog
    account = await service.put_account(
        request_session(request), auth.tenant, state.secret_box, catalog, provider, body
    )
    state.providers.forget(auth.tenant)
    return ok(service.account_out(account, state.settings, catalog))


@router.get(
    "",
    response_model=ListEnvelope[ProviderAccountOut],
    responses=errors_doc(),
    summary="List the org's provider accounts",
)
async def list_provider_accounts(
    request: Request, auth: AuthContext = Depends(authorize("providers:read"))
) -> Response:
    repo = ProviderAccountRepository(request_session(request), auth.tenant)
    rows = (await repo.session.execute(repo.list_query())).scalars().all()
    state = request.app.state
    items = [
        service.account_out(r, state.settings, state.providers.catalog)
        for r in sorted(rows, key=lambda r: r.provider)
    ]
    return await ok_list(repo.session, auth.tenant, list(items), unpaged(items))


@router.get(
    "/{provider}",
    response_model=Envelope[ProviderAccountOut],
    responses=errors_doc(NotFound),
    summary="Get a provider account (credentials are never returned)",
)
async def get_provider_account(
    provider: str, request: Request, auth: AuthContext = Depends(authorize("providers:read"))
) -> Response:
    state = request.app.state
    catalog = state.providers.catalog
    account = await service.get_account(request_session(request), auth.tenant, catalog, provider)
    return ok(service.account_out(account, state.settings, catalog))


@router.delete(
    "/{provider}",
    response_model=Envelope[ProviderAccountOut],
    responses=errors_doc(NotFound, write=True),
    summary="Remove a provider account (answers with the account as it was)",
)
async def delete_provider_account(
    provider: str, request: Request, auth: AuthContext = Depends(authorize("providers:write"))
) -> Response:
    state = request.app.state
    catalog = state.providers.catalog
    removed = await service.remove_account(request_session(request), auth.tenant, catalog, provider)
    state.providers.forget(auth.tenant)
    return ok(service.account_out(removed, state.settings, catalog))
