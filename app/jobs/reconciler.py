"""One reconcile step for one number: compare desired with provider state and act.

Level-triggered: a step either tells the provider the desired state (``submit``) or observes
what the provider holds (``confirm``) and decides from that alone, so a step repeated after a
crash, or taken on a row another worker abandoned, converges instead of double-applying.
"""

import uuid
from dataclasses import dataclass

from app.db.models import LineStatus, SyncPhase
from app.kit.backoff import RetryPolicy, backoff_delay
from providers.base import (
    LinkState,
    LinkStatus,
    Provider,
    ProviderRejectedError,
    ProviderTemporaryError,
)

PENDING, PROPAGATED, FAILED = (
    LineStatus.PENDING.value,
    LineStatus.PROPAGATED.value,
    LineStatus.FAILED.value,
)
SUBMIT, CONFIRM = SyncPhase.SUBMIT.value, SyncPhase.CONFIRM.value


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A claimed number row: what the user wants and what the provider is known to hold."""

    id: uuid.UUID
    org_id: uuid.UUID
    mode: str
    number: str
    provider: str
    desired_version: int
    desired_ref: str | None
    linked_ref: str | None
    phase: str | None
    attempts: int
    reclaimed: bool
    token: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a step leaves on the row. ``next_in_s`` None means no further work."""

    linked_ref: str | None
    status: str | None
    phase: str | None
    next_in_s: float | None
    attempts: int = 0
    error: str | None = None
    propagated: bool = False


@dataclass(frozen=True, slots=True)
class Timing:
    retry: RetryPolicy  # failed calls, and a provider that keeps reporting another state
    confirm_poll_s: float  # status checks of an accepted change back off from this
    confirm_poll_cap_s: float


async def reconcile(item: WorkItem, provider: Provider, timing: Timing) -> Outcome:
    observing = item.phase == CONFIRM or item.reclaimed
    try:
        if observing:
            return await observe(item, provider, timing)
        try:
            return await submit(item, provider, timing)
        except ProviderRejectedError as exc:
            return await after_rejection(item, provider, timing, exc.reason)
    except ProviderTemporaryError as exc:
        return retry_later(item, timing, exc.reason, exc.retry_after, observing)
    except ProviderRejectedError as exc:
        return rejected(item, exc.reason)


def is_new_link(item: WorkItem) -> bool:
    """A plain link to submit: what providers that batch can take many of at once."""
    return (
        item.phase != CONFIRM
        and not item.reclaimed
        and item.linked_ref is None
        and item.desired_ref is not None
    )


async def reconcile_links(
    items: list[WorkItem], provider: Provider, timing: Timing
) -> list[Outcome]:
    """Submit new links of one campaign in one call; refused numbers are looked at one by one."""
    desired = items[0].desired_ref
    assert desired is not None and all(i.desired_ref == desired for i in items)
    try:
        refused = await provider.link_many([i.number for i in items], desired)
    except ProviderTemporaryError as exc:
        return [retry_later(i, timing, exc.reason, exc.retry_after, False) for i in items]
    except ProviderRejectedError as exc:
        refused = {i.number: exc.reason for i in items}
    outcomes = []
    for item in items:
        if item.number not in refused:
            outcomes.append(accepted(desired, timing))
            continue
        try:
            outcomes.append(await after_rejection(item, provider, timing, refused[item.number]))
        except ProviderTemporaryError as exc:
            outcomes.append(retry_later(item, timing, exc.reason, exc.retry_after, False))
        except ProviderRejectedError as exc:
            outcomes.append(rejected(item, exc.reason))
    return outcomes


async def after_rejection(
    item: WorkItem, provider: Provider, timing: Timing, reason: str
) -> Outcome:
    """A refused change may be one the provider already made: an earlier attempt whose answer
    was lost (timeout, reset). If the provider holds or is making the desired change, go on."""
    status = await provider.get_link_status(item.number, item.desired_ref or item.linked_ref)
    desired = item.desired_ref
    already = (
        status.state in (LinkState.LINKED, LinkState.PENDING) and status.campaign_ref == desired
        if desired is not None
        else status.state is LinkState.UNLINKED
    )
    return decide(item, status, timing) if already else rejected(item, reason)


async def submit(item: WorkItem, provider: Provider, timing: Timing) -> Outcome:
    desired, linked = item.desired_ref, item.linked_ref
    if desired == linked:
        return await observe(item, provider, timing)
    if linked is None:
        assert desired is not None
        await provider.link(item.number, desired)
    elif desired is None:
        await provider.unlink(item.number, linked)
    else:
        await provider.move(item.number, linked, desired)
    # An unlink keeps the old ref until confirmed: providers that index links by campaign
    # are asked about that campaign.
    return accepted(desired or linked, timing, item.attempts)


def accepted(ref: str | None, timing: Timing, attempts: int = 0) -> Outcome:
    """The provider took the change: wait for its final status. ``attempts`` carries over, so
    a provider that keeps answering with another state is given up on (see ``disagreement``)."""
    return Outcome(
        linked_ref=ref,
        status=PENDING,
        phase=CONFIRM,
        next_in_s=timing.confirm_poll_s,
        attempts=attempts,
    )


async def observe(item: WorkItem, provider: Provider, timing: Timing) -> Outcome:
    status = await provider.get_link_status(item.number, item.desired_ref or item.linked_ref)
    return decide(item, status, timing)


def decide(item: WorkItem, status: LinkStatus, timing: Timing) -> Outcome:
    """What to do given what the provider holds for the number."""
    desired = item.desired_ref
    if status.state is LinkState.PENDING:
        if status.campaign_ref != desired:
            return disagreement(item, status, status.campaign_ref, timing)
        poll = backoff_delay(item.attempts, timing.confirm_poll_s, timing.confirm_poll_cap_s)
        return Outcome(
            linked_ref=desired or item.linked_ref,
            status=PENDING,
            phase=CONFIRM,
            next_in_s=poll,
            attempts=item.attempts + 1,
        )
    if status.state is LinkState.LINKED:
        if desired is not None and status.campaign_ref == desired:
            return Outcome(
                linked_ref=desired, status=PROPAGATED, phase=None, next_in_s=None, propagated=True
            )
        return disagreement(item, status, status.campaign_ref, timing)
    if status.state is LinkState.UNLINKED:
        if desired is None:
            return Outcome(linked_ref=None, status=None, phase=None, next_in_s=None)
        return Outcome(linked_ref=None, status=PENDING, phase=SUBMIT, next_in_s=0.0)
    # FAILED: the provider rejected its last operation
    if status.campaign_ref != desired:
        return disagreement(item, status, item.linked_ref, timing)
    linked = item.linked_ref if desired is None else None
    return Outcome(
        linked_ref=linked,
        status=FAILED,
        phase=None,
        next_in_s=None,
        error=status.reason or "the provider rejected the change",
    )


def disagreement(
    item: WorkItem, status: LinkStatus, linked_ref: str | None, timing: Timing
) -> Outcome:
    """The provider holds something other than the desired state: submit it again, at once
    the first time, then backing off; a provider that keeps disagreeing is given up on."""
    attempts = item.attempts + 1
    if timing.retry.exhausted(attempts):
        held = f"{status.state.value} {status.campaign_ref or '(no campaign)'}"
        reason = f"the provider still reports {held} after {attempts} attempts"
        return rejected(item, f"{reason}: {status.reason}" if status.reason else reason)
    delay = timing.retry.delay(item.attempts)
    return Outcome(
        linked_ref=linked_ref,
        status=PENDING,
        phase=SUBMIT,
        next_in_s=0.0 if item.attempts == 0 else delay,
        attempts=attempts,
    )


def retry_later(
    item: WorkItem, timing: Timing, reason: str, retry_after: float | None, observing: bool
) -> Outcome:
    attempts = item.attempts + 1
    if not observing and timing.retry.exhausted(attempts):
        return rejected(item, f"gave up after {attempts} attempts: {reason}")
    delay = timing.retry.delay(item.attempts, retry_after)
    return Outcome(
        linked_ref=item.linked_ref,
        status=PENDING,
        phase=CONFIRM if observing else SUBMIT,
        next_in_s=delay,
        attempts=attempts,
        error=None,
    )


def rejected(item: WorkItem, reason: str) -> Outcome:
    return Outcome(
        linked_ref=item.linked_ref, status=FAILED, phase=None, next_in_s=None, error=reason
    )
