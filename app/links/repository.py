"""Runs the link statements for one tenant."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.raw import run_raw
from app.db.tenancy import Tenant
from app.links import statements


@dataclass(frozen=True, slots=True)
class CampaignCheck:
    campaign_id: uuid.UUID | None  # None: no such campaign in this org and mode
    provider: str | None
    verdict: str | None  # the first of rules 2-4 that fails, None when they pass


class LinkRepository:
    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.tenant = tenant

    def _params(self, **params: Any) -> dict[str, Any]:
        return {"org_id": self.tenant.org_id, "mode": self.tenant.mode.value, **params}

    async def attach(
        self, number_id: uuid.UUID | None, campaign_id: uuid.UUID
    ) -> tuple[str, Mapping[str, Any]]:
        """The verdict and the number row (empty on a rejection)."""
        params = self._params(number_id=number_id, campaign_id=campaign_id)
        return await self._one(statements.ATTACH, params)

    async def detach(self, number_id: uuid.UUID | None) -> tuple[str, Mapping[str, Any]]:
        return await self._one(statements.DETACH, self._params(number_id=number_id))

    async def _one(self, sql: str, params: dict[str, Any]) -> tuple[str, Mapping[str, Any]]:
        # the hot path: prepared once per connection
        (row,) = await run_raw(self.session, sql, params, prepare=True)
        task_id = row.pop("superseded_task_id", None)
        if task_id is not None:
            await run_raw(self.session, statements.SETTLE_SUPERSEDED, {"task_id": task_id})
        return str(row["outcome"]), row

    async def check_campaign(self, campaign_id: uuid.UUID | None) -> CampaignCheck:
        params = self._params(campaign_id=campaign_id)
        (row,) = await run_raw(self.session, statements.CHECK_CAMPAIGN, params)
        return CampaignCheck(row["id"], row["provider"], row["verdict"])

    async def record_bulk(
        self,
        sql: str,
        task_id: uuid.UUID,
        campaign_id: uuid.UUID,
        campaign_provider: str,
        items: Mapping[str, list[Any]],
    ) -> dict[str, int]:
        """Runs a bulk statement over the request's item arrays; the count of items per
        verdict."""
        params = self._params(
            task_id=task_id,
            campaign_id=campaign_id,
            campaign_provider=campaign_provider,
            **items,
        )
        rows = await run_raw(self.session, sql, params, setup=statements.BULK_SETUP)
        return {str(r["outcome"]): int(r["items"]) for r in rows}
