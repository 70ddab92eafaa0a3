"""Telnyx campaigns: the campaign builder (``POST /10dlc/campaignBuilder``), changes,
deactivation, appeals, per-carrier status (``operationStatus`` with ``mnoMetadata``) and
campaigns other CSPs share (``acceptSharing``, then ``/10dlc/partner_campaigns``)."""

from urllib.parse import quote

from providers.base import (
    CampaignInfo,
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
)
from providers.registration import BrandRef, CampaignFields, CarrierStatus
from providers.telnyx import registration_records as records
from providers.telnyx.brands import TelnyxBrands
from providers.telnyx.client import refused_request
from providers.telnyx.registration_fields import campaign_body, campaign_update_body

CAMPAIGNS = "/10dlc/campaign"


class TelnyxCampaigns(TelnyxBrands):
    async def register_campaign(
        self, brand: BrandRef, fields: CampaignFields, client_ref: str
    ) -> CampaignInfo:
        body = campaign_body(brand.provider_brand_id, fields, client_ref, self._webhook_url)
        return records.campaign_info(await self._call("POST", "/10dlc/campaignBuilder", json=body))

    async def find_campaign(self, client_ref: str, brand: BrandRef) -> CampaignInfo | None:
        """The brand's campaign whose ``referenceId`` is numlink's reference (newest first)."""
        params = {"brandId": brand.provider_brand_id, "sort": "-createdAt"}
        async for record in self._newest_first(CAMPAIGNS, params):
            if record.get("referenceId") == client_ref:
                return records.campaign_info(record)
        return None

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        body = await self._call("GET", _campaign_path(provider_campaign_id))
        return records.campaign_info(body, provider_campaign_id)

    async def update_campaign(
        self, provider_campaign_id: str, fields: CampaignFields, changed: frozenset[str]
    ) -> CampaignInfo:
        body = campaign_update_body(fields, changed, self._webhook_url)
        answer = await self._call("PUT", _campaign_path(provider_campaign_id), json=body)
        return records.campaign_info(answer, provider_campaign_id)

    async def deactivate_campaign(self, provider_campaign_id: str) -> None:
        await self._call_any("DELETE", _campaign_path(provider_campaign_id))

    async def appeal_campaign(self, provider_campaign_id: str, reason: str) -> CampaignInfo:
        """Telnyx records the appeal and resets the campaign to TCR_ACCEPTED; the campaign
        is read again to answer with it."""
        path = f"{_campaign_path(provider_campaign_id)}/appeal"
        await self._call("POST", path, json={"appeal_reason": reason})
        return await self.get_campaign(provider_campaign_id)

    async def carrier_statuses(self, provider_campaign_id: str) -> tuple[CarrierStatus, ...]:
        path = _campaign_path(provider_campaign_id)
        operations = await self._call("GET", f"{path}/operationStatus")
        metadata = await self._call("GET", f"{path}/mnoMetadata")
        return records.carrier_statuses(operations, metadata)

    async def accept_shared_campaign(self, tcr_campaign_id: str) -> CampaignInfo:
        """Accept the sharing, then read the partner campaign. Accepting again is harmless:
        if Telnyx refuses because it accepted it already, the campaign is read and returned.
        One Telnyx has not listed yet (it accepts in the background) is PENDING."""
        path = f"{CAMPAIGNS}/acceptSharing/{quote(tcr_campaign_id, safe='')}"
        try:
            await self._call_any("POST", path)
        except ProviderRejectedError as exc:
            if isinstance(exc, ProviderObjectNotFound) or not refused_request(exc):
                raise
            try:
                return await self.get_shared_campaign(tcr_campaign_id)
            except ProviderObjectNotFound:
                raise ProviderFieldsRejected(exc.reason, {"tcr_campaign_id": exc.reason}) from None
        try:
            return await self.get_shared_campaign(tcr_campaign_id)
        except ProviderObjectNotFound:
            return CampaignInfo(tcr_campaign_id, None, tcr_campaign_id, None, "PENDING", None)

    async def get_shared_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        path = f"/10dlc/partner_campaigns/{quote(provider_campaign_id, safe='')}"
        return records.partner_campaign_info(await self._call("GET", path))


def _campaign_path(provider_campaign_id: str) -> str:
    return f"{CAMPAIGNS}/{quote(provider_campaign_id, safe='')}"
