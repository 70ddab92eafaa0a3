"""``client.test_helpers`` (test mode only; 404 with a live key): force states the sandbox
would otherwise reach on its own, or never."""

from collections.abc import Sequence

from numlink_client._flow import Call, body
from numlink_client._routes import Route
from numlink_client._runtime import Mode, Resource, endpoint
from numlink_client.models.accounts import (
    CarrierOutcome,
    HoldNumbers,
    ReleaseNumbers,
    SetAssignment,
    SetCampaignStatus,
    SetIdentityStatus,
    SetProviderLink,
)
from numlink_client.models.numbers import PhoneNumber
from numlink_client.models.registration import Brand, Campaign
from numlink_client.models.tasks import InventoryChange, ProviderLink

HELPERS = "/v1/test-helpers"
IDENTITY = Route("POST", HELPERS + "/brands/{}/identity-status", Brand, (SetIdentityStatus,))
CAMPAIGN_STATUS = Route("POST", HELPERS + "/campaigns/{}/status", Campaign, (SetCampaignStatus,))
ASSIGNMENT = Route("POST", HELPERS + "/phone-numbers/{}/assignment", PhoneNumber, (SetAssignment,))
OUTCOME = Route(
    "POST", HELPERS + "/phone-numbers/{}/carrier-outcome", PhoneNumber, (CarrierOutcome,)
)
HOLD = Route("POST", HELPERS + "/inventory", InventoryChange, (HoldNumbers,))
RELEASE = Route("POST", HELPERS + "/inventory/release", InventoryChange, (ReleaseNumbers,))
LINK = Route("POST", HELPERS + "/provider-links", ProviderLink, (SetProviderLink,))


class TestHelpers(Resource[Mode]):
    __test__ = False  # not a pytest class

    @endpoint
    def set_brand_identity(
        self, brand_id: str, *, identity_status: str | None = None, status: str | None = None
    ) -> Call[Brand]:
        request = body(SetIdentityStatus, identity_status=identity_status, status=status)
        return IDENTITY.call(brand_id, body=request)

    @endpoint
    def set_campaign_status(self, campaign_id: str, *, status: str) -> Call[Campaign]:
        return CAMPAIGN_STATUS.call(campaign_id, body=SetCampaignStatus(status=status))

    @endpoint
    def set_assignment(self, number_id: str, *, assigned: bool) -> Call[PhoneNumber]:
        return ASSIGNMENT.call(number_id, body=SetAssignment(assigned=assigned))

    @endpoint
    def settle(
        self, number_id: str, *, outcome: str, reason: str | None = None
    ) -> Call[PhoneNumber]:
        """Settles the number's pending link as a carrier would: ``propagated`` or
        ``failed`` (with ``reason``)."""
        return OUTCOME.call(number_id, body=body(CarrierOutcome, outcome=outcome, reason=reason))

    @endpoint
    def hold_numbers(
        self,
        numbers: Sequence[str],
        *,
        messaging_profile_id: str | None = None,
        assigned: bool = True,
    ) -> Call[InventoryChange]:
        """Puts numbers in the sandbox account (found by the next sync)."""
        request = body(
            HoldNumbers, numbers=list(numbers), messaging_profile_id=messaging_profile_id,
            assigned=assigned,
        )  # fmt: skip
        return HOLD.call(body=request)

    @endpoint
    def release_numbers(self, numbers: Sequence[str]) -> Call[InventoryChange]:
        return RELEASE.call(body=ReleaseNumbers(numbers=list(numbers)))

    @endpoint
    def set_provider_link(
        self, number: str, *, provider_campaign_id: str | None
    ) -> Call[ProviderLink]:
        """What the sandbox provider holds for ``number`` (``None``: nothing), to make
        drift an audit finds."""
        request = SetProviderLink(number=number, provider_campaign_id=provider_campaign_id)
        return LINK.call(body=request)
