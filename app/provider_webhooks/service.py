"""Inbound provider webhooks: verify the signature with the account's credentials, then apply
each event once. Link events settle a number only when they confirm exactly what the number is
waiting for; any other link event makes the reconciler look again, so a late, duplicated or
reordered event can never move a number away from what the provider really holds."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.errors import NotFound, Unauthorized, ValidationFailed
from app.kit.secrets import SecretBox
from app.kit.text import control_character_problem
from app.provider_accounts.credentials import (
    DEFAULT_TOKEN,
    Credentials,
    credentials_of,
    platform_credentials,
    webhook_url,
)
from app.provider_accounts.repository import find_by_webhook_token
from app.provider_webhooks.repository import ProviderEventRepository
from app.provider_webhooks.schemas import WebhookReceipt
from app.settings import Settings
from providers.catalog import ProviderCatalog
from providers.descriptor import InboundWebhook, WebhookHandler
from providers.events import BrandEvent, CampaignEvent, ProviderEvent, WebhookSignatureError


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    provider: str
    token: str  # the account's webhook token, or "default"
    query: str
    headers: Mapping[str, str]  # looks names up case-insensitively (Starlette's Headers)
    body: bytes


async def account_credentials(
    session: AsyncSession,
    box: SecretBox,
    catalog: ProviderCatalog,
    provider: str,
    token: str,
) -> Credentials:
    if token == DEFAULT_TOKEN:
        found = platform_credentials(catalog, provider)
    else:
        row = await find_by_webhook_token(session, provider, token)
        found = credentials_of(row, box, catalog) if row is not None else None
    if found is None:
        raise NotFound("unknown provider account")
    return found


def check_event_text(events: list[ProviderEvent]) -> None:
    """Even a signed event is input: no control character reaches the database."""
    for event in events:
        for field in dataclasses.fields(event):
            value = getattr(event, field.name)
            problem = control_character_problem(value) if isinstance(value, str) else None
            if problem is not None:
                raise ValidationFailed(details={f"body.{field.name}": problem})


async def receive_webhook(
    session: AsyncSession,
    settings: Settings,
    box: SecretBox,
    catalog: ProviderCatalog,
    received: ReceivedRequest,
) -> WebhookReceipt:
    descriptor = catalog.get(received.provider)
    handler: WebhookHandler | None = descriptor.webhooks if descriptor is not None else None
    if handler is None:
        raise NotFound("unknown provider")
    credentials = await account_credentials(
        session, box, catalog, received.provider, received.token
    )
    # providers that sign the URL sign the one they were given, not one a proxy rewrote
    url = webhook_url(settings, received.provider, credentials.webhook_token)
    hook = InboundWebhook(
        url=f"{url}?{received.query}" if received.query else url,
        headers=received.headers,
        body=received.body,
    )
    repo = ProviderEventRepository(session, received.provider, credentials.org_id)
    try:
        handler.verify(hook, credentials.secrets)
        if handler.refuse_replay is not None:  # only once verified: a forgery burns no nonce
            await handler.refuse_replay(hook, repo)
    except WebhookSignatureError as exc:
        raise Unauthorized(f"webhook signature rejected: {exc}") from None
    try:
        events = handler.parse(hook)
    except ValueError as exc:
        raise ValidationFailed(
            details={"body": f"not a {received.provider} event: {exc}"}
        ) from None
    check_event_text(events)
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
