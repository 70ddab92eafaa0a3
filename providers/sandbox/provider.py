"""The built-in sandbox: a provider that behaves like a real one, asynchronously.

Its state is kept through the gateway's ``LinkLedger`` and ``ObjectLedger`` (tables), so every
worker process sees the same provider, as they would a real one. A link or unlink is accepted
at once and settles ``delay_s`` later, failing with probability ``failure_rate``. Registered
brands and campaigns are PENDING for ``delay_s``, then ACTIVE (``SandboxBrands``,
``SandboxCampaigns``); imported ones and numbers are on the happy path. Test helpers force any
other state, here and on numlink's side.
"""

import random
from collections.abc import Sequence

from providers.base import LinkState, LinkStatus, NumberInfo
from providers.descriptor import LedgerEntry, LinkLedger, ObjectLedger
from providers.sandbox.brands import SandboxBrands
from providers.sandbox.campaigns import SandboxCampaigns

LINKING, UNLINKING = "linking", "unlinking"
SUCCESS, FAILURE = "success", "failure"
SIMULATED_REJECTION = "sandbox: carrier rejected the link (simulated)"


class SandboxProvider(SandboxBrands, SandboxCampaigns):
    link_batch_size = 1000

    def __init__(
        self,
        ledger: LinkLedger,
        objects: ObjectLedger,
        *,
        name: str = "sandbox",
        delay_s: float,
        failure_rate: float,
    ) -> None:
        self.name = name
        self._ledger = ledger
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
        link = found.entry
        target = link.campaign_ref if link.state == LINKING else None
        if not found.settled:
            return LinkStatus(LinkState.PENDING, target)
        if link.outcome == FAILURE:
            return LinkStatus(LinkState.FAILED, target, link.reason)
        if link.state == UNLINKING:
            return LinkStatus(LinkState.UNLINKED)
        return LinkStatus(LinkState.LINKED, link.campaign_ref)

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

    async def get_number(self, number: str) -> NumberInfo:
        return NumberInfo(number=number, assigned=True, sms_enabled=True, mms_enabled=True)
