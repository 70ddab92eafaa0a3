from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.kit.auth import authorize
from app.kit.body import body_doc, json_body
from app.kit.envelope import Envelope, ListEnvelope, ListMeta, ok, ok_list
from app.kit.errors import NotFound
from app.kit.openapi import errors_doc
from app.kit.routing import UnitOfWorkRoute, request_session
from app.kit.tenancy import AuthContext
from app.provider_accounts import service
from app.provider_accounts.repository import ProviderAccountRepository
from app.provider_accounts.schemas import ProviderAccountOut, ProviderAccountSet

router = APIRouter(
    prefix="/v1/provider-accounts", tags=["provider accounts"], route_class=UnitOfWorkRoute
)


@router.put(
    "/{provider}",
    response_model=Envelope[ProviderAccountOut],
    responses=errors_doc(write=True),
    openapi_extra=body_doc(ProviderAccountSet),
    summary="Set the org's credentials at a provider (live mode)",
)
async def put_provider_account(
    provider: str,
    request: Request,
    auth: AuthContext = Depends(authorize("providers:write")),
    body: ProviderAccountSet = Depends(json_body(ProviderAccountSet)),
) -> Response:
    account = await service.put_account(
        request_session(request), auth.tenant, request.app.state.secret_box, provider, body
    )
    request.app.state.providers.forget(auth.tenant)
    return ok(service.account_out(account, request.app.state.settings))


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
    settings = request.app.state.settings
    items = [service.account_out(r, settings) for r in sorted(rows, key=lambda r: r.provider)]
    return ok_list(list(items), ListMeta(total=len(items), limit=len(items), next_cursor=None))


@router.get(
    "/{provider}",
    response_model=Envelope[ProviderAccountOut],
    responses=errors_doc(NotFound),
    summary="Get a provider account (credentials are never returned)",
)
async def get_provider_account(
    provider: str, request: Request, auth: AuthContext = Depends(authorize("providers:read"))
) -> Response:
    account = await service.get_account(request_session(request), auth.tenant, provider)
    return ok(service.account_out(account, request.app.state.settings))


@router.delete(
    "/{provider}",
    status_code=204,
    responses=errors_doc(NotFound, write=True),
    summary="Remove a provider account",
)
async def delete_provider_account(
    provider: str, request: Request, auth: AuthContext = Depends(authorize("providers:write"))
) -> Response:
    await service.remove_account(request_session(request), auth.tenant, provider)
    request.app.state.providers.forget(auth.tenant)
    return Response(status_code=204)
