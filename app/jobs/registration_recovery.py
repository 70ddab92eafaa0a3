"""Registration recovery: registrations in flight whose holder is gone (the process died, or a
request answered 502 after a timeout) are finished here once their lease lapses.

The provider is asked for an object with the intent's client reference: found, it is recorded
(adopted) as the request would have; not found, the provider never created it and the intent
is forgotten. A provider that cannot answer is asked again later, with backoff; an intent is
never forgotten without the provider saying it holds nothing. Recording a brand or campaign
here must emit ``brand.updated`` / ``campaign.updated`` once events exist.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, text

from app.brands import service as brands
from app.brands.repository import BrandRepository
from app.campaigns import service as campaigns
from app.db.models import Mode
from app.db.tenancy import Tenant
from app.jobs.base import LeasedTable
from app.jobs.context import JobContext
from app.jobs.registration_sync import RegistrationQueue
from app.kit.backoff import backoff_delay
from app.kit.errors import NumlinkError
from app.registration.calls import failure_text
from app.registration.context import Scope
from providers import registration as reg
from providers.base import ProviderCallError

log = logging.getLogger("numlink.worker")

INTENTS = LeasedTable(
    "registration_intents",
    "t.id, t.org_id, t.mode, t.kind, t.provider, t.client_ref, t.fingerprint, t.request,"
    " t.brand_id, t.attempts",
)
_FORGET = text("DELETE FROM registration_intents WHERE id = :id AND lease_owner = :token")
_LATER = INTENTS.write_back_sql(
    "attempts = attempts + 1, last_error = :error,"
    " next_attempt_at = clock_timestamp() + make_interval(secs => :wait_s)"
)


@dataclass(frozen=True, slots=True)
class InFlight:
    id: uuid.UUID
    tenant: Tenant
    kind: str
    provider: str
    client_ref: str
    fingerprint: str
    request: dict[str, Any]
    brand_id: uuid.UUID | None
    attempts: int
    token: str


class RegistrationRecoveryJob(RegistrationQueue[InFlight]):
    name = "registration_recovery"
    table = INTENTS

    def __init__(self, context: JobContext) -> None:
        super().__init__(context, context.settings.registration_lease_s)

    def to_work(self, row: RowMapping, token: str) -> InFlight:
        return InFlight(
            id=row["id"],
            tenant=Tenant(row["org_id"], Mode(row["mode"])),
            kind=row["kind"],
            provider=row["provider"],
            client_ref=row["client_ref"],
            fingerprint=row["fingerprint"],
            request=dict(row["request"]),
            brand_id=row["brand_id"],
            attempts=row["attempts"],
            token=token,
        )

    async def process(self, item: InFlight) -> None:
        try:
            await self._finish(item)
        except (ProviderCallError, NumlinkError) as exc:
            reason = failure_text(exc)
            await self._later(item, reason)
        except Exception:
            log.exception("registration recovery failed", extra={"intent": str(item.id)})
            await self._later(item, "unexpected error")

    async def _finish(self, item: InFlight) -> None:
        """Adopt what the provider holds under the reference, or forget the intent."""
        adapter = await self.registrar.registry.for_tenant(item.tenant, item.provider)
        assert isinstance(adapter, reg.ReferenceFinder)
        async with self.sessions.begin() as session:
            scope = Scope(session, item.tenant, self.registrar)
            args = (item.request, item.fingerprint, item.id)
            found: object
            if item.kind == "brand":
                fields = reg.BrandFields(**item.request)
                found = brand = await adapter.find_brand(item.client_ref, fields)
                if brand is not None:
                    await brands.record_registered(scope, item.provider, brand, *args)
            else:
                owner = await BrandRepository(session, item.tenant).fresh(_id(item.brand_id))
                ref = campaigns.brand_ref(owner)
                found = campaign = await adapter.find_campaign(item.client_ref, ref)
                if campaign is not None:
                    await campaigns.record_registered(scope, owner, campaign, *args)
            if found is None:  # the provider holds nothing under the reference
                await session.execute(_FORGET, {"id": item.id, "token": item.token})
            else:
                log.info("registration adopted", extra={"intent": str(item.id)})

    async def _later(self, item: InFlight, reason: str) -> None:
        polling = self.registrar.polling
        wait = backoff_delay(item.attempts, polling.base_s, polling.cap_s)
        if item.attempts and item.attempts % 10 == 0:
            log.warning("registration still unresolved", extra={"intent": str(item.id)})
        params = {"id": item.id, "token": item.token, "error": reason[:500], "wait_s": wait}
        async with self.sessions.begin() as session:
            await session.execute(_LATER, params)


def _id(value: uuid.UUID | None) -> uuid.UUID:
    assert value is not None, "a campaign registration names its brand"
    return value
