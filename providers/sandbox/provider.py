"""The built-in sandbox: a provider that behaves like a real one, asynchronously.

Its state is kept through the gateway's ``LinkLedger`` and ``ObjectLedger`` (tables), so every
worker process sees the same provider, as they would a real one. A link or unlink is accepted
at once and settles ``delay_s`` later, failing with probability ``failure_rate``. Registered
brands and campaigns are PENDING for ``delay_s``, then ACTIVE (``SandboxBrands``,
``SandboxCampaigns``); imported ones and numbers are on the happy path. Test helpers force any
other state, here and on numlink's side.

Its account (``InventoryLedger``) holds every number registered in test mode (a number read
for the first time is taken onto the account, assigned) plus those the test helpers put there;
a released number is no longer found.
"""

import random
from collections.abc import Sequence

from providers.base import (
    CampaignNumber,
    CampaignNumberPage,
    LinkState,
    LinkStatus,
    NumberInfo,
    NumberPage,
    ProviderObjectNotFound,
)
from providers.descriptor import (
    HeldNumber,
    InventoryLedger,
    LedgerEntry,
    LedgerRead,
    LinkLedger,
    ObjectLedger,
)
from providers.sandbox.brands import SandboxBrands
from providers.sandbox.campaigns import SandboxCampaigns

LINKING, UNLINKING = "linking", "unlinking"
SUCCESS, FAILURE = "success", "failure"
SIMULATED_REJECTION = "sandbox: carrier rejected the link (simulated)"
PAGE_SIZE = 250


class SandboxProvider(SandboxBrands, SandboxCampaigns):
    link_batch_size = 1000

    def __init__(
        self,
        ledger: LinkLedger,
        inventory: InventoryLedger,
        objects: ObjectLedger,
        *,
        name: str = "sandbox",
        delay_s: float,
        failure_rate: float,
    ) -> None:
        self.name = name
        self._ledger = ledger
        self._inventory = inventory
        self._objects = objects
        self._delay_s = delay_s
        self._failure_rate = failure_rate

    async def link(self, number: str, campaign_ref: str) -> None:
        await self._start([number], campaign_ref, LINKING)

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        await self._start(numbers, campaign_ref, LINKING)
        return {}

    async def move(self, number: str, from_ref: str, to_ref: str) -> None:
        await self._start([number], to_ref, LINKING)

    async def unlink(self, number: str, campaign_ref: str) -> None:
        await self._start([number], campaign_ref, UNLINKING)

    async def _start(self, numbers: Sequence[str], campaign_ref: str, state: str) -> None:
        entries = []
        for number in dict.fromkeys(numbers):
            failing = self._failure_rate > 0 and random.random() < self._failure_rate
            entries.append(
                LedgerEntry(
                    number=number,
                    campaign_ref=campaign_ref,
                    state=state,
                    outcome=FAILURE if failing else SUCCESS,
                    reason=SIMULATED_REJECTION if failing else None,
                )
            )
        await self._ledger.record(entries, self._delay_s)

    async def get_link_status(self, number: str, campaign_ref: str | None = None) -> LinkStatus:
        found = await self._ledger.read(number)
        if found is None:
            return LinkStatus(LinkState.UNLINKED)
        return _link_status(found)

    async def list_campaign_numbers(
        self, campaign_ref: str, page_token: str | None
    ) -> CampaignNumberPage:
        reads = await self._ledger.page_by_campaign(campaign_ref, page_token, PAGE_SIZE)
        held = []
        for read in reads:
            status = _link_status(read)
            if status.state is not LinkState.UNLINKED:
                held.append(CampaignNumber(read.entry.number, status.state, status.reason))
        last = reads[-1].entry.number if len(reads) == PAGE_SIZE else None
        return CampaignNumberPage(held, last)

    async def get_number(self, number: str) -> NumberInfo:
        held = await self._inventory.read(number)
        if held is None:  # a number registered in test mode is one the account holds
            await self._inventory.hold([number], None, True)
            return NumberInfo(number=number, assigned=True, sms_enabled=True, mms_enabled=True)
        if held.released:
            raise ProviderObjectNotFound(f"sandbox: {number} is not on this account")
        return _number_info(held)

    async def list_numbers(
        self, page_token: str | None, messaging_profile_id: str | None = None
    ) -> NumberPage:
        held = await self._inventory.page(page_token, PAGE_SIZE, messaging_profile_id)
        last = held[-1].number if len(held) == PAGE_SIZE else None
        return NumberPage([_number_info(h) for h in held], last)

    async def hold(
        self, numbers: Sequence[str], messaging_profile_id: str | None, assigned: bool
    ) -> None:
        await self._inventory.hold(numbers, messaging_profile_id, assigned)

    async def release(self, numbers: Sequence[str]) -> None:
        await self._inventory.release(numbers)

    async def settle_now(self, number: str, campaign_ref: str | None, reason: str | None) -> None:
        if campaign_ref is None and reason is None:
            await self._ledger.forget(number)
            return
        entry = LedgerEntry(
            number=number,
            campaign_ref=campaign_ref,
            state=LINKING if campaign_ref else UNLINKING,
            outcome=FAILURE if reason else SUCCESS,
            reason=reason,
        )
        await self._ledger.record([entry], 0.0)


def _link_status(found: LedgerRead) -> LinkStatus:
    link = found.entry
    target = link.campaign_ref if link.state == LINKING else None
    if not found.settled:
        return LinkStatus(LinkState.PENDING, target)
    if link.outcome == FAILURE:
        return LinkStatus(LinkState.FAILED, target, link.reason)
    if link.state == UNLINKING:
        return LinkStatus(LinkState.UNLINKED)
    return LinkStatus(LinkState.LINKED, link.campaign_ref)


def _number_info(held: HeldNumber) -> NumberInfo:
    return NumberInfo(
        number=held.number,
        assigned=held.assigned,
        sms_enabled=True,
        mms_enabled=True,
        messaging_profile_id=held.messaging_profile_id,
    )
