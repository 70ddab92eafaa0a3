"""Applying provider events. Not tenant-scoped through an API key: the scope is the provider
account the webhook URL names (its org), or, for the platform's default account, every org
that has no account of its own at that provider."""

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.campaigns.repository import carrier_entry
from app.events.statements import (
    ASSIGNMENT_COLUMNS,
    BRAND_SUMMARY,
    CAMPAIGN_SUMMARY,
    LINE_OPTION_COLUMNS,
    assignment_changed,
    line_option_changed,
    update_with_events,
)
from providers.base import LinkState
from providers.events import BrandEvent, CampaignEvent, LinkEvent

_SCOPE = """
    mode = 'live' AND provider = :provider AND (
        org_id = :org_id
        OR (CAST(:org_id AS uuid) IS NULL AND org_id NOT IN (
            SELECT a.org_id FROM provider_accounts a
            WHERE a.provider = :provider AND a.mode = 'live')))
"""

_NEWER = "(provider_status_at IS NULL OR provider_status_at < :occurred_at)"

# The event settles the link the row is waiting for: the same decision a poll would make.
_SETTLE = update_with_events(
    "phone_numbers",
    """
    carrier_line_option_status = CAST(:status AS varchar),
    carrier_line_option_error = CAST(:error AS text),
    carrier_line_option_propagated_at = CASE WHEN :linked THEN clock_timestamp() END,
    linked_campaign_ref = CASE WHEN :linked THEN CAST(:ref AS text) END,
    sync_phase = NULL, next_attempt_at = NULL, attempts = 0,
    provider_status_at = :occurred_at, updated_at = clock_timestamp(), bulk_task_id = NULL""",
    f"""{_SCOPE} AND number = :number AND {_NEWER}
  AND lease_owner IS NULL AND sync_phase = 'confirm' AND carrier_line_option_status = 'pending'
  AND (SELECT c.provider_campaign_id FROM campaigns c WHERE c.id = p.campaign_id) = :ref""",
    LINE_OPTION_COLUMNS,
    [line_option_changed()],
)

# Anything else: the row is observed again now, and the provider's answer decides.
_NUDGE = text(
    f"""
UPDATE phone_numbers SET
    sync_phase = coalesce(sync_phase, 'confirm'), next_attempt_at = clock_timestamp(),
    provider_status_at = :occurred_at
WHERE {_SCOPE} AND number = :number AND {_NEWER} AND lease_owner IS NULL
RETURNING id
"""
)

# Brands and campaigns: what the event says is applied if it is newer than what was applied
# last; an event that leaves the status unsaid has the object read again now (``reread``).
_SYNCED_BEFORE = "(provider_synced_at IS NULL OR provider_synced_at < :occurred_at)"
_REREAD = """
    next_attempt_at = CASE WHEN :reread THEN clock_timestamp() ELSE next_attempt_at END,
    attempts = CASE WHEN :reread THEN 0 ELSE attempts END,
    failure_reasons = coalesce(CAST(:failure_reasons AS text[]), failure_reasons),
    provider_synced_at = :occurred_at, updated_at = clock_timestamp()"""

_BRAND = update_with_events(
    "brands",
    f"""
    identity_status = coalesce(CAST(:identity_status AS varchar), identity_status),
    status = coalesce(CAST(:status AS varchar), status),
    tcr_brand_id = coalesce(CAST(:tcr_id AS text), tcr_brand_id),{_REREAD}""",
    f"{_SCOPE} AND provider_brand_id = :ref AND {_SYNCED_BEFORE}",
    BRAND_SUMMARY.fields,
    [BRAND_SUMMARY.changed()],
)

# The provider linked the number to a campaign: it is on the account and assignable, whatever
# numlink read of it before (the number of a registration made before its messaging profile).
_ASSIGNED = update_with_events(
    "phone_numbers",
    "assigned = true, released_at = NULL, updated_at = clock_timestamp()",
    f"{_SCOPE} AND number = :number AND NOT assigned",
    ASSIGNMENT_COLUMNS,
    [assignment_changed()],
)

_CAMPAIGN = update_with_events(
    "campaigns",
    f"""
    status = coalesce(CAST(:status AS varchar), status),
    provider_status = coalesce(CAST(:provider_status AS text), provider_status),{_REREAD}""",
    f"{_SCOPE} AND provider_campaign_id = :ref AND {_SYNCED_BEFORE}",
    CAMPAIGN_SUMMARY.fields,
    [CAMPAIGN_SUMMARY.changed()],
)

# Per-carrier statuses, each applied if newer than the one held for that carrier.
_CARRIERS = update_with_events(
    "campaigns",
    """carriers = p.carriers || coalesce((
    SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(CAST(:carriers AS jsonb)) e
    WHERE coalesce(CAST(p.carriers -> e.key ->> 'at' AS timestamptz), '-infinity')
          < CAST(e.value ->> 'at' AS timestamptz)), '{}'::jsonb),
    updated_at = clock_timestamp()""",
    f"{_SCOPE} AND provider_campaign_id = :ref",
    (*CAMPAIGN_SUMMARY.fields, "carriers"),
    [CAMPAIGN_SUMMARY.changed_in("carriers")],
)

_SEEN = text(
    """
INSERT INTO provider_events (provider, event_id) VALUES (:provider, :event_id)
ON CONFLICT DO NOTHING RETURNING event_id
"""
)


class ProviderEventRepository:
    def __init__(self, session: AsyncSession, provider: str, org_id: uuid.UUID | None) -> None:
        self.session = session
        self.scope: dict[str, Any] = {"provider": provider, "org_id": org_id}

    async def first_sighting(self, event_id: str) -> bool:
        params = {"provider": self.scope["provider"], "event_id": event_id}
        return (await self.session.execute(_SEEN, params)).first() is not None

    async def first_use(self, nonce: str) -> bool:
        """A request's one-time value (``providers.descriptor.NonceRegistry``), kept beside the
        event ids (prefixed, so never taken for one) and purged with them. A concurrent twin
        waits on this row's insert and then sees it: only one of them is applied."""
        return await self.first_sighting(f"nonce:{nonce}")

    async def apply_link(self, event: LinkEvent, occurred_at: datetime) -> int:
        status = event.status
        params = {**self.scope, "number": event.number, "occurred_at": occurred_at}
        if status.state is LinkState.LINKED:
            await self.session.execute(_ASSIGNED, {**self.scope, "number": event.number})
        if status.state in (LinkState.LINKED, LinkState.FAILED) and status.campaign_ref:
            linked = status.state is LinkState.LINKED
            settle = {
                **params,
                "ref": status.campaign_ref,
                "linked": linked,
                "status": "propagated" if linked else "failed",
                "error": None if linked else (status.reason or "the provider rejected the link"),
            }
            settled = (await self.session.execute(_SETTLE, settle)).all()
            if settled:
                return len(settled)
        return len((await self.session.execute(_NUDGE, params)).all())

    async def apply_campaign(self, event: CampaignEvent, occurred_at: datetime) -> int:
        params = {
            **self.scope,
            "ref": event.provider_campaign_id,
            "status": event.status,
            "provider_status": event.provider_status,
            "failure_reasons": _reasons(event.failure_reasons),
            "reread": event.status is None,
            "occurred_at": occurred_at,
        }
        changed = len((await self.session.execute(_CAMPAIGN, params)).all())
        if event.carriers:
            entries = {c.carrier: carrier_entry(c, occurred_at) for c in event.carriers}
            carriers = {
                **self.scope,
                "ref": event.provider_campaign_id,
                "carriers": orjson.dumps(entries).decode(),
            }
            changed = max(changed, len((await self.session.execute(_CARRIERS, carriers)).all()))
        return changed

    async def apply_brand(self, event: BrandEvent, occurred_at: datetime) -> int:
        params = {
            **self.scope,
            "ref": event.provider_brand_id,
            "identity_status": event.identity_status,
            "status": event.status,
            "tcr_id": event.tcr_brand_id,
            "failure_reasons": _reasons(event.failure_reasons),
            "reread": event.status is None and event.identity_status is None,
            "occurred_at": occurred_at,
        }
        return len((await self.session.execute(_BRAND, params)).all())


def _reasons(reasons: tuple[str, ...] | None) -> list[str] | None:
    return None if reasons is None else list(reasons)
