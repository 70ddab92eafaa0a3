"""Runs the link statements for one tenant."""

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.db.raw import Database, run_raw
from app.db.tenancy import Tenant
from app.links import statements


@dataclass(frozen=True, slots=True)
class CampaignCheck:
    campaign_id: uuid.UUID | None  # None: no such campaign in this org and mode
    provider: str | None
    verdict: str | None  # the first of rules 2-4 that fails, None when they pass


class _RecentHints:
    """Whether a tenant's last single change had more to write than its event (a hint to pick
    the statement; a wrong one costs a second statement, never a missing write)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hints: OrderedDict[tuple[uuid.UUID, str], bool] = OrderedDict()

    def get(self, key: tuple[uuid.UUID, str]) -> bool:
        return self.hints.get(key, False)  # unknown: the lean statement first

    def put(self, key: tuple[uuid.UUID, str], value: bool) -> None:
        self.hints[key] = value
        self.hints.move_to_end(key)
        if len(self.hints) > self.size:
            self.hints.popitem(last=False)


_MORE_TO_WRITE = _RecentHints(10_000)


class LinkRepository:
    def __init__(self, db: Database, tenant: Tenant) -> None:
        self.db = db
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

    async def _one(
        self, pair: statements.SingleStatements, params: dict[str, Any]
    ) -> tuple[str, Mapping[str, Any]]:
        """The lean statement first, unless this tenant's last change had more to write; the
        complete one when the lean one says so. Either is one statement (the hot path:
        prepared once per connection)."""
        tenant = (self.tenant.org_id, self.tenant.mode.value)
        complete = _MORE_TO_WRITE.get(tenant)
        (row,) = await run_raw(
            self.db, pair.complete if complete else pair.lean, params, prepare=True
        )
        if row["outcome"] == statements.MORE_TO_WRITE:
            (row,) = await run_raw(self.db, pair.complete, params, prepare=True)
        _MORE_TO_WRITE.put(tenant, bool(row.pop("more_to_write")))
        return str(row["outcome"]), row

    async def check_campaign(self, campaign_id: uuid.UUID | None) -> CampaignCheck:
        params = self._params(campaign_id=campaign_id)
        (row,) = await run_raw(self.db, statements.CHECK_CAMPAIGN, params)
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
        rows = await run_raw(self.db, sql, params, setup=statements.BULK_SETUP)
        return {str(r["outcome"]): int(r["items"]) for r in rows}
