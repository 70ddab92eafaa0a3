from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.api.envelope import Envelope, ok
from app.api.openapi import errors_doc
from app.api.params import PUBLIC
from app.api.routing import UnitOfWorkRoute, request_session
from app.kit.errors import NotFound, Unauthorized, ValidationFailed
from app.provider_webhooks import service
from app.provider_webhooks.schemas import WebhookReceipt

router = APIRouter(
    prefix="/v1/providers",
    tags=["provider webhooks"],
    route_class=UnitOfWorkRoute,
    dependencies=PUBLIC,
)


EVENT_BODY_DOC = {
    "required": True,
    "description": "The provider's event exactly as sent (its own format, JSON or form-encoded);"
    " the raw bytes are what the signature is checked against.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "An event as the provider sends it (e.g. {data: {event_type, …}})",
                "properties": {"data": {"type": "object"}},
            }
        },
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "description": "A status callback as the provider sends it",
                "properties": {"number": {"type": "string"}, "status": {"type": "string"}},
            }
        },
    },
}


@router.post(
    "/{provider}/webhooks/{token}",
    response_model=Envelope[WebhookReceipt],
    responses=errors_doc(Unauthorized, NotFound, ValidationFailed),
    summary="Events from a provider (signature-verified, no API key)",
    openapi_extra={"requestBody": EVENT_BODY_DOC},
)
async def receive_provider_webhook(
    provider: str,
    token: str,
    request: Request,
    ref: str | None = Query(
        default=None,
        description="numlink's reference of one registration, which an adapter may add to the"
        " URL it gives the provider for that object (to find it again after a crash); not"
        " used on receipt",
    ),
) -> Response:
    received = service.ReceivedRequest(
        provider=provider,
        token=token,
        query=request.url.query,
        headers=request.headers,
        body=await request.body(),
    )
    state = request.app.state
    receipt = await service.receive_webhook(
        request_session(request),
        state.settings,
        state.secret_box,
        state.providers.catalog,
        received,
    )
    return ok(receipt)
