from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, ok_list, page_params, paginate
from app.api.routing import UnitOfWorkRoute, request_session
from app.db.models import WebhookDelivery, WebhookEndpoint
from app.kit.errors import Conflict, NotFound
from app.kit.ids import parse_id
from app.webhooks import service
from app.webhooks.repository import DeliveryRepository, EndpointRepository
from app.webhooks.schemas import (
    DeliveryOut,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
    SecretRotate,
    SigningSecretOut,
)

router = APIRouter(tags=["webhooks"], route_class=UnitOfWorkRoute)
ENDPOINTS = "/v1/webhook-endpoints"


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
    return EndpointWithSecret(**EndpointOut.model_validate(endpoint).model_dump(), secret=secret)


async def _rotate_body(request: Request) -> SecretRotate:
    """The rotate body is optional; when present it is parsed like any other."""
    if not (await request.body()).strip():
        return SecretRotate()
    return await json_body(SecretRotate)(request)


def _optional_body_doc(model: Any) -> dict[str, Any]:
    doc = body_doc(model)
    doc["requestBody"]["required"] = False
    return doc


@router.post(
    ENDPOINTS,
    status_code=201,
    response_model=Envelope[EndpointWithSecret],
    responses=errors_doc(write=True),
    openapi_extra=body_doc(EndpointCreate),
    summary="Create a webhook endpoint (its secret is shown only in this response)",
)
async def create_endpoint(
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:write")),
    body: EndpointCreate = Depends(json_body(EndpointCreate)),
) -> Response:
    state = request.app.state
    endpoint, secret = await service.create_endpoint(
        request_session(request),
        auth.tenant,
        state.settings,
        state.secret_box,
        body.url,
        body.description,
        body.enabled_events,
    )
    return ok(_with_secret(endpoint, secret), 201)


@router.get(
    ENDPOINTS,
    response_model=ListEnvelope[EndpointOut],
    responses=errors_doc(),
    summary="List webhook endpoints, disabled ones included",
)
async def list_endpoints(
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:read")),
    page: PageParams = Depends(page_params),
) -> Response:
    repo = EndpointRepository(request_session(request), auth.tenant)
    rows, meta = await paginate(repo.session, repo.list_query(), WebhookEndpoint.id, page)
    return await ok_list(
        repo.session, auth.tenant, [EndpointOut.model_validate(r) for r in rows], meta
    )


@router.get(
    ENDPOINTS + "/{endpoint_id}",
    response_model=Envelope[EndpointOut],
    responses=errors_doc(NotFound),
    summary="Get a webhook endpoint",
)
async def get_endpoint(
    endpoint_id: str, request: Request, auth: AuthContext = Depends(authorize("webhooks:read"))
) -> Response:
    repo = EndpointRepository(request_session(request), auth.tenant)
    return ok(EndpointOut.model_validate(await repo.get_or_404(parse_id(endpoint_id))))


@router.patch(
    ENDPOINTS + "/{endpoint_id}",
    response_model=Envelope[EndpointOut],
    responses=errors_doc(NotFound, write=True),
    openapi_extra=body_doc(EndpointUpdate),
    summary="Change an endpoint's url, description or enabled_events; disabled: false "
    "re-enables it",
)
async def update_endpoint(
    endpoint_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:write")),
    body: EndpointUpdate = Depends(json_body(EndpointUpdate)),
) -> Response:
    endpoint = await service.update_endpoint(
        request_session(request),
        auth.tenant,
        request.app.state.settings,
        parse_id(endpoint_id),
        body,
    )
    return ok(EndpointOut.model_validate(endpoint))


def delivery_out(row: WebhookDelivery) -> DeliveryOut:
    if row.next_attempt_at is not None:
        status = "pending"
    else:
        status = "delivered" if row.delivered_at is not None else "failed"
    return DeliveryOut.model_validate({**_columns(row), "status": status})


def _columns(row: WebhookDelivery) -> dict[str, object]:
    return {c: getattr(row, c) for c in DeliveryOut.model_fields if c != "status"}


@router.get(
    ENDPOINTS + "/{endpoint_id}/deliveries",
    response_model=ListEnvelope[DeliveryOut],
    responses=errors_doc(NotFound),
    summary="The endpoint's deliveries, newest first: attempts, last status, next attempt",
)
async def list_deliveries(
    endpoint_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:read")),
    page: PageParams = Depends(page_params),
) -> Response:
    session = request_session(request)
    endpoint = await EndpointRepository(session, auth.tenant).get_or_404(parse_id(endpoint_id))
    repo = DeliveryRepository(session, auth.tenant)
    rows, meta = await paginate(session, repo.list_query(endpoint.id), WebhookDelivery.id, page)
    return await ok_list(session, auth.tenant, [delivery_out(r) for r in rows], meta)


@router.post(
    ENDPOINTS + "/{endpoint_id}/deliveries/{delivery_id}/retry",
    response_model=Envelope[DeliveryOut],
    responses=errors_doc(NotFound, Conflict, write=True),
    summary="Send a delivery again now (delivered or not), with the same webhook-id",
)
async def retry_delivery(
    endpoint_id: str,
    delivery_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:write")),
) -> Response:
    delivery = await service.retry_delivery(
        request_session(request), auth.tenant, parse_id(endpoint_id), parse_id(delivery_id)
    )
    return ok(delivery_out(delivery))


@router.delete(
    ENDPOINTS + "/{endpoint_id}",
    response_model=Envelope[EndpointOut],
    responses=errors_doc(NotFound, write=True),
    summary="Disable a webhook endpoint (idempotent; its pending deliveries are dropped)",
)
async def disable_endpoint(
    endpoint_id: str, request: Request, auth: AuthContext = Depends(authorize("webhooks:write"))
) -> Response:
    endpoint = await service.disable_endpoint(
        request_session(request), auth.tenant, parse_id(endpoint_id)
    )
    return ok(EndpointOut.model_validate(endpoint))


@router.post(
    ENDPOINTS + "/{endpoint_id}/rotate-secret",
    response_model=Envelope[EndpointWithSecret],
    responses=errors_doc(NotFound, Conflict, write=True),
    openapi_extra=_optional_body_doc(SecretRotate),
    summary="Replace an endpoint's secret (the new one is shown only in this response)",
)
async def rotate_secret(
    endpoint_id: str,
    request: Request,
    auth: AuthContext = Depends(authorize("webhooks:write")),
    body: SecretRotate = Depends(_rotate_body),
) -> Response:
    endpoint, secret = await service.rotate_secret(
        request_session(request),
        auth.tenant,
        request.app.state.secret_box,
        parse_id(endpoint_id),
        body.secret,
    )
    return ok(_with_secret(endpoint, secret))


@router.get(
    "/v1/webhook-signing-secret",
    response_model=Envelope[SigningSecretOut],
    responses=errors_doc(),
    summary="The secret that signs deliveries to numbers' status_url (created on first use)",
)
async def get_signing_secret(
    request: Request, auth: AuthContext = Depends(authorize("webhooks:read"))
) -> Response:
    row, secret = await service.signing_secret(
        request_session(request), auth.tenant, request.app.state.secret_box
    )
    return ok(SigningSecretOut(secret=secret, created_at=row.created_at))
