"""``client.campaigns``: import, register or accept shared campaigns, change, deactivate,
appeal, and their per-carrier status."""

import builtins
from typing import Unpack

from numlink_client._flow import Call, Listing
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.registration import (
    Campaign,
    CampaignAppeal,
    CampaignFilters,
    CampaignImport,
    CampaignRegistration,
    CampaignUpdate,
    Carrier,
    SharedCampaignAccept,
)

CAMPAIGN = "/v1/campaigns/{}"
CREATE = Route(
    "POST",
    "/v1/campaigns",
    Campaign,
    (CampaignRegistration, CampaignImport, SharedCampaignAccept),
)
LIST = page_route("/v1/campaigns", Campaign, CampaignFilters)
GET = Route("GET", CAMPAIGN, Campaign)
UPDATE = Route("PATCH", CAMPAIGN, Campaign, (CampaignUpdate,))
DELETE = Route("DELETE", CAMPAIGN, Campaign)
APPEAL = Route("POST", CAMPAIGN + "/appeal", Campaign, (CampaignAppeal,))
CARRIERS = Route("GET", CAMPAIGN + "/carriers", Carrier)
REFRESH = Route("POST", CAMPAIGN + "/refresh", Campaign)


class Campaigns(Resource[Mode]):
    @endpoint
    def create(
        self, *, brand_id: str, provider_campaign_id: str, idempotency_key: str | None = None
    ) -> Call[Campaign]:
        """Imports a campaign the brand already has at its provider."""
        request = CampaignImport(brand_id=brand_id, provider_campaign_id=provider_campaign_id)
        return CREATE.call(body=request, key=idempotency_key)

    @endpoint
    def register(
        self, registration: CampaignRegistration, *, idempotency_key: str | None = None
    ) -> Call[Campaign]:
        """Registers a new campaign under a brand (``PENDING`` until reviewed)."""
        return CREATE.call(body=registration, key=idempotency_key)

    @endpoint
    def accept_shared(
        self, *, provider: str, tcr_campaign_id: str, idempotency_key: str | None = None
    ) -> Call[Campaign]:
        """Accepts a campaign another CSP shared with this account."""
        request = SharedCampaignAccept(provider=provider, tcr_campaign_id=tcr_campaign_id)
        return CREATE.call(body=request, key=idempotency_key)

    @paginated
    def list(self, **filters: Unpack[CampaignFilters]) -> Listing[Campaign]:
        return LIST.listing(**filters)

    @endpoint
    def get(self, campaign_id: str) -> Call[Campaign]:
        return GET.call(campaign_id)

    @endpoint
    def update(
        self, campaign_id: str, changes: CampaignUpdate, *, idempotency_key: str | None = None
    ) -> Call[Campaign]:
        return UPDATE.call(campaign_id, body=changes, key=idempotency_key)

    @endpoint
    def delete(self, campaign_id: str, *, idempotency_key: str | None = None) -> Call[Campaign]:
        """Deactivates the campaign (409 CONFLICT while numbers are linked)."""
        return DELETE.call(campaign_id, key=idempotency_key)

    @endpoint
    def appeal(
        self, campaign_id: str, *, reason: str, idempotency_key: str | None = None
    ) -> Call[Campaign]:
        request = CampaignAppeal(reason=reason)
        return APPEAL.call(campaign_id, body=request, key=idempotency_key)

    @endpoint
    def carriers(self, campaign_id: str) -> Call[builtins.list[Carrier]]:
        """Per-carrier status and limits (TPM, daily cap, tier)."""
        return CARRIERS.every(campaign_id)

    @endpoint
    def refresh(self, campaign_id: str, *, idempotency_key: str | None = None) -> Call[Campaign]:
        return REFRESH.call(campaign_id, key=idempotency_key)
