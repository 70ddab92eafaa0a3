"""Inbound provider webhooks: verify the signature with the account's credentials, then apply
each event once. Link events settle a number only when they confirm exactly what the number is
waiting for; any other link event makes the reconciler look again, so a late, duplicated or
reordered event can never move a number away from what the provider really holds."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.errors import NotFound, Unauthorized, ValidationFailed
from app.kit.secrets import SecretBox
from app.provider_accounts.repository import find_by_webhook_token
from app.provider_accounts.service import (
    LIVE_PROVIDERS,
    Credentials,
    credentials_of,
    default_credentials,
    webhook_url,
)
from app.provider_webhooks.repository import ProviderEventRepository
from app.provider_webhooks.schemas import WebhookReceipt
from app.settings import Settings
from providers.events import BrandEvent, CampaignEvent, ProviderEvent, WebhookSignatureError
from providers.plivo.signature import parse_plivo_event, verify_plivo_request
from providers.telnyx.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    parse_telnyx_event,
    verify_telnyx_webhook,
)


@dataclass(frozen=True, slots=True)
class InboundWebhook:
    provider: str
    token: str  # the account's webhook token, or "default"
    query: str
    headers: Mapping[str, str]  # looks names up case-insensitively (Starlette's Headers)
    body: bytes


async def account_credentials(
    session: AsyncSession, settings: Settings, box: SecretBox, provider: str, token: str
) -> Credentials:
    if provider not in LIVE_PROVIDERS:
        raise NotFound("unknown provider")
    if token == "default":
        found = default_credentials(settings, provider)
    else:
        row = await find_by_webhook_token(session, provider, token)
        found = credentials_of(row, box, settings) if row is not None else None
    if found is None:
        raise NotFound("unknown provider account")
    return found


def verify(settings: Settings, credentials: Credentials, hook: InboundWebhook) -> None:
    try:
        if hook.provider == "telnyx":
            public_key = credentials.secrets.get("public_key")
            if not public_key:
                raise WebhookSignatureError("no Telnyx public key is set on this account")
            verify_telnyx_webhook(
                hook.body,
                hook.headers.get(SIGNATURE_HEADER),
                hook.headers.get(TIMESTAMP_HEADER),
                public_key,
            )
        else:
            # Plivo signs the URL it was given: ours as configured, not as a proxy rewrote it
            url = webhook_url(settings, hook.provider, credentials.webhook_token)
            if hook.query:
                url = f"{url}?{hook.query}"
            token = credentials.secrets["auth_token"]
            verify_plivo_request("POST", url, hook.headers, hook.body, token)
    except WebhookSignatureError as exc:
        raise Unauthorized(f"webhook signature rejected: {exc}") from None


def parse(hook: InboundWebhook) -> list[ProviderEvent]:
    try:
        if hook.provider == "telnyx":
            return parse_telnyx_event(hook.body)
        return parse_plivo_event(hook.body, hook.headers.get("content-type", ""))
    except ValueError as exc:
        raise ValidationFailed(details={"body": f"not a {hook.provider} event: {exc}"}) from None


async def receive_webhook(
    session: AsyncSession, settings: Settings, box: SecretBox, hook: InboundWebhook
) -> WebhookReceipt:
    credentials = await account_credentials(session, settings, box, hook.provider, hook.token)
    verify(settings, credentials, hook)
    events = parse(hook)
    repo = ProviderEventRepository(session, hook.provider, credentials.org_id)
    duplicates = changed = 0
    for event in events:
        if event.event_id and not await repo.first_sighting(event.event_id):
            duplicates += 1
            continue
        occurred_at = event.occurred_at or datetime.now(UTC)
        if isinstance(event, CampaignEvent):
            changed += await repo.apply_campaign(event, occurred_at)
        elif isinstance(event, BrandEvent):
            changed += await repo.apply_brand(event, occurred_at)
        else:
            changed += await repo.apply_link(event, occurred_at)
    return WebhookReceipt(events=len(events), duplicates=duplicates, rows_changed=changed)
