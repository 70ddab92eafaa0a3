from fastapi import APIRouter, Request
from starlette.responses import Response

from app.kit.envelope import Envelope, ok
from app.kit.errors import NotFound, Unauthorized, ValidationFailed
from app.kit.openapi import errors_doc
from app.kit.routing import UnitOfWorkRoute, request_session
from app.provider_webhooks import service
from app.provider_webhooks.schemas import WebhookReceipt

router = APIRouter(prefix="/v1/providers", tags=["provider webhooks"], route_class=UnitOfWorkRoute)


EVENT_BODY_DOC = {
    "required": True,
    "description": "The provider's event exactly as sent; the raw bytes are what is verified.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "Telnyx: {data: {event_type, id, occurred_at, payload}}",
                "properties": {"data": {"type": "object"}},
            }
        },
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "description": "Plivo number-linking status callback",
                "properties": {
                    "number": {"type": "string"},
                    "status": {"type": "string"},
                    "campaign_id": {"type": "string"},
                },
            }
        },
    },
}


@router.post(
    "/{provider}/webhooks/{token}",
    response_model=Envelope[WebhookReceipt],
    responses=errors_doc(Unauthorized, NotFound, ValidationFailed),
    summary="Status events from Telnyx or Plivo (signature-verified, no API key)",
    openapi_extra={"requestBody": EVENT_BODY_DOC},
)
async def receive_provider_webhook(provider: str, token: str, request: Request) -> Response:
    hook = service.InboundWebhook(
        provider=provider,
        token=token,
        query=request.url.query,
        headers=request.headers,
        body=await request.body(),
    )
    state = request.app.state
    receipt = await service.receive_webhook(
        request_session(request), state.settings, state.secret_box, hook
    )
    return ok(receipt)
