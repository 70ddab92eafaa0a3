"""Audits: list what the provider holds on each campaign in scope (and, for a number pool,
the messaging profile's numbers), page by page into ``task_listings``; then compare with
numlink's rows, record the findings and, with ``repair``, hand the drifted numbers back to the
reconciler (and link the pool's strays through the bulk attach rules), all in one transaction.

Page token: ``<campaign index>:<the provider's token>`` while listing campaigns, the
provider's token while listing the profile."""

import uuid
from typing import Any

from app.audits.repository import CAMPAIGN, PROFILE, AuditRepository
from app.inventory.repository import InventoryRepository
from app.jobs.paged_tasks import DONE, PagedTaskJob, TaskWork, Unsupported
from app.links.repository import LinkRepository
from app.links.statements import BULK
from providers.base import CampaignNumberLister, InventoryLister, Provider


def _position(token: str | None) -> tuple[int, str | None]:
    if token is None:
        return 0, None
    index, _, inner = token.partition(":")
    return int(index), inner or None


class AuditJob(PagedTaskJob):
    name = "audits"
    operation = "audit"

    async def step(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        if work.phase == "list":
            return await self._list_campaign(work, provider)
        if work.phase == PROFILE:
            return await self._list_profile(work, provider)
        return await self._finish(work)

    async def _list_campaign(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        campaigns: list[list[str]] = list(work.scope.get("campaigns", []))
        index, inner = _position(work.page_token)
        after = PROFILE if work.messaging_profile_id is not None else "finish"
        if index >= len(campaigns):
            return await self._advance_only(work, after, None)
        if not isinstance(provider, CampaignNumberLister):
            raise Unsupported(f"{work.provider} does not list a campaign's numbers")
        ref = campaigns[index][1]
        page = await provider.list_campaign_numbers(ref, inner)
        async with self.sessions.begin() as session:
            await AuditRepository(session, work.tenant, work.id).record(
                CAMPAIGN, ref, [(n.number, n.state.value) for n in page.numbers]
            )
            stats = {"listed": work.stats.get("listed", 0) + len(page.numbers)}
            if page.next_token is not None:
                token: str | None = f"{index}:{page.next_token}"
                phase = "list"
            elif index + 1 < len(campaigns):
                token, phase = f"{index + 1}:", "list"
            else:
                token, phase = None, after
            return await self.advance(session, work, phase=phase, page_token=token, stats=stats)

    async def _list_profile(self, work: TaskWork, provider: Provider) -> TaskWork | None:
        if not isinstance(provider, InventoryLister):
            raise Unsupported(f"{work.provider} does not list a messaging profile's numbers")
        assert work.messaging_profile_id is not None
        page = await provider.list_numbers(work.page_token, work.messaging_profile_id)
        async with self.sessions.begin() as session:
            numbers = [(n.number, "listed") for n in page.numbers]
            await AuditRepository(session, work.tenant, work.id).record(PROFILE, "", numbers)
            if work.repair:  # pool numbers unknown to numlink are imported, to be linked
                await InventoryRepository(session, work.tenant).upsert_page(
                    work.provider, work.id, page.numbers
                )
            stats = {"listed": work.stats.get("listed", 0) + len(page.numbers)}
            phase = PROFILE if page.next_token is not None else "finish"
            return await self.advance(
                session, work, phase=phase, page_token=page.next_token, stats=stats
            )

    async def _finish(self, work: TaskWork) -> TaskWork | None:
        campaign_ids = [uuid.UUID(c[0]) for c in work.scope.get("campaigns", [])]
        pool = work.campaign_id if work.messaging_profile_id is not None else None
        async with self.sessions.begin() as session:
            audit = AuditRepository(session, work.tenant, work.id)
            await audit.compare(work.provider, campaign_ids, pool)
            if work.repair:
                await audit.repair()
                if pool is not None:
                    await self._link_strays(work, audit, pool)
            await audit.forget_listings()
            return await self.advance(session, work, phase=DONE, page_token=None, stats=work.stats)

    async def _link_strays(self, work: TaskWork, audit: AuditRepository, pool: uuid.UUID) -> None:
        """A pool's strays are attached to its campaign by the bulk attach statement (the same
        rules as any attach; the audit task records them as items)."""
        strays = await audit.strays()
        links = LinkRepository(audit.session, work.tenant)
        campaign = await links.check_campaign(pool)
        if not strays or campaign.verdict is not None or campaign.provider is None:
            return  # nothing to link, or the campaign takes no links now
        arrays: dict[str, list[Any]] = {
            "values": [str(s) for s in strays],
            "ids": list(strays),
            "codes": [None] * len(strays),
        }
        statement = BULK[("attach", "phone_number_ids")]
        await links.record_bulk(statement, work.id, pool, campaign.provider, arrays)
        await audit.mark_strays_repaired()

    async def _advance_only(self, work: TaskWork, phase: str, token: str | None) -> TaskWork | None:
        async with self.sessions.begin() as session:
            return await self.advance(
                session, work, phase=phase, page_token=token, stats=work.stats
            )
