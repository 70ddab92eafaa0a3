"""The one interface every provider adapter implements.

An adapter instance is bound to one provider account (or, for the sandbox, one org), so the
methods take only business arguments. Campaign and brand references are the provider's ids.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class LinkState(StrEnum):
    PENDING = "pending"  # accepted, carriers not confirmed yet (link or unlink in flight)
    LINKED = "linked"
    FAILED = "failed"  # the last link or unlink was rejected
    UNLINKED = "unlinked"  # the provider holds no link for the number


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """``campaign_ref``: LINKED, the campaign held; PENDING/FAILED, the operation's target
    campaign (None for an unlink)."""

    state: LinkState
    campaign_ref: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class BrandInfo:
    """A brand as the provider holds it. ``status``: PENDING | ACTIVE | FAILED | DELETED."""

    provider_brand_id: str
    display_name: str | None
    identity_status: str  # UNVERIFIED | SELF_DECLARED | VERIFIED | VETTED_VERIFIED
    status: str
    tcr_brand_id: str | None = None  # the registry's id (e.g. BXXXXXX), once it has one
    # why registration or verification failed, in the provider's words (empty: no failure)
    failure_reasons: tuple[str, ...] = ()
    # seconds until the provider expects the brand to change by itself (the sandbox knows;
    # live providers say None and the gateway relies on webhooks and polling)
    recheck_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    provider_campaign_id: str
    provider_brand_id: str | None
    tcr_campaign_id: str | None
    usecase: str | None
    # numlink's normalised status: PENDING | ACTIVE | EXPIRED | REJECTED | SUSPENDED | DEACTIVATED
    status: str
    provider_status: str | None
    failure_reasons: tuple[str, ...] = ()  # as BrandInfo.failure_reasons
    recheck_after_s: float | None = None  # as BrandInfo.recheck_after_s


@dataclass(frozen=True, slots=True)
class NumberInfo:
    number: str
    assigned: bool
    sms_enabled: bool
    mms_enabled: bool
    messaging_profile_id: str | None = None  # where the provider groups numbers (Telnyx)


class ProviderCallError(Exception):
    """Base of adapter failures; ``reason`` is safe to show to the org."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ProviderTemporaryError(ProviderCallError):
    """5xx, 429, timeouts, resets: worth retrying (after ``retry_after`` seconds if given)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ProviderRejectedError(ProviderCallError):
    """The provider refused the request and retrying will not change that."""


class ProviderObjectNotFound(ProviderRejectedError):
    """The brand, campaign or number does not exist at the provider."""


class ProviderFieldsRejected(ProviderRejectedError):
    """The provider refused a registration or change because of named fields.

    ``fields`` maps numlink's field names (``ein``, ``sample_messages``, ``pin``…; ``body``
    for the request as a whole) to the provider's own words, which the gateway shows the org
    in ``details`` of a 422 ``PROVIDER_REJECTED``. Adapters translate the provider's field
    names back to numlink's; a refusal that names no field uses ``body``."""

    def __init__(self, reason: str, fields: Mapping[str, str]) -> None:
        super().__init__(reason)
        self.fields = dict(fields) or {"body": reason}


class Provider(Protocol):
    name: str
    # How many numbers of one campaign ``link_many`` takes per provider call (1: no batching).
    link_batch_size: int

    async def link(self, number: str, campaign_ref: str) -> None: ...

    async def link_many(self, numbers: Sequence[str], campaign_ref: str) -> dict[str, str]:
        """Link several numbers to one campaign; returns ``{number: reason}`` for the numbers the
        provider refused (the rest were accepted). Raises for failures of the whole call."""
        ...

    async def move(self, number: str, from_ref: str, to_ref: str) -> None: ...

    async def unlink(self, number: str, campaign_ref: str) -> None: ...

    async def get_link_status(self, number: str, campaign_ref: str | None) -> LinkStatus:
        """``campaign_ref``: the campaign the last operation concerned (target of a link or
        move, source of an unlink), for providers that index links by campaign (Plivo)."""
        ...

    async def get_brand(self, provider_brand_id: str) -> BrandInfo: ...

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo: ...

    async def get_number(self, number: str) -> NumberInfo: ...


# Assignment by messaging profile: a provider links every number on one of its messaging
# profiles to a campaign in a background task of its own (Telnyx). An optional capability.
class ProfileTaskStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ProfileTask:
    task_id: str
    status: ProfileTaskStatus

    @property
    def finished(self) -> bool:
        return self.status in (ProfileTaskStatus.COMPLETED, ProfileTaskStatus.FAILED)


@dataclass(frozen=True, slots=True)
class ProfileTaskNumber:
    """One number of a bulk task. ``status`` is Telnyx's own word (e.g. ``pending``): the API
    does not enumerate it, so it is passed on as given."""

    number: str
    status: str
    reason: str | None = None


@runtime_checkable
class ProfileAssigner(Protocol):
    async def assign_by_profile(self, messaging_profile_id: str, campaign_ref: str) -> str:
        """Start the provider's task; returns its id."""
        ...

    async def get_profile_task(self, task_id: str) -> ProfileTask: ...

    async def list_profile_task_numbers(self, task_id: str) -> list[ProfileTaskNumber]: ...


@runtime_checkable
class CarrierSimulator(Protocol):
    """A provider that plays the carriers too (the sandbox): test helpers settle its links."""

    async def settle_now(self, number: str, campaign_ref: str | None, reason: str | None) -> None:
        """End the number's link now as the carriers would: the link (or, without a campaign,
        the unlink) succeeds when ``reason`` is None, else fails with it."""
        ...


# Inventory: what an account holds, listed page by page. A page token is the provider's own
# position (opaque to the gateway; None asks for the first page), so a listing interrupted by a
# fault resumes at the page it failed on.
@dataclass(frozen=True, slots=True)
class NumberPage:
    numbers: list[NumberInfo]
    next_token: str | None  # None: this was the last page


@dataclass(frozen=True, slots=True)
class CampaignNumber:
    """A number the provider holds on a campaign: LINKED, PENDING (an operation in flight)
    or FAILED (its last operation was refused)."""

    number: str
    state: LinkState
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignNumberPage:
    numbers: list[CampaignNumber]
    next_token: str | None


@runtime_checkable
class InventoryLister(Protocol):
    async def list_numbers(
        self, page_token: str | None, messaging_profile_id: str | None = None
    ) -> NumberPage:
        """One page of the account's numbers (only those on the messaging profile, if given)."""
        ...


@runtime_checkable
class CampaignNumberLister(Protocol):
    async def list_campaign_numbers(
        self, campaign_ref: str, page_token: str | None
    ) -> CampaignNumberPage:
        """One page of the numbers the provider holds on the campaign."""
        ...


@runtime_checkable
class InventoryKeeper(Protocol):
    """A provider that plays the account too (the sandbox): test helpers change what it holds."""

    async def hold(
        self, numbers: Sequence[str], messaging_profile_id: str | None, assigned: bool
    ) -> None: ...

    async def release(self, numbers: Sequence[str]) -> None: ...
