"""The sandbox's campaigns: registration under a verified brand, changes, deactivation,
appeals, per-carrier status and campaigns shared by another CSP (see ``records``)."""

import hashlib
import uuid
from typing import Any

from providers.base import (
    BrandInfo,
    CampaignInfo,
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
)
from providers.descriptor import LedgerObject, ObjectLedger
from providers.registration import BrandRef, CampaignFields, CarrierStatus
from providers.sandbox import records
from providers.sandbox.records import BRAND, CAMPAIGN, campaign_info, check_markers

# a TCR id the sandbox answers "not shared with this account" for
NOT_SHARED = "CNOSHARE"


class SandboxCampaigns:
    name: str
    _objects: ObjectLedger
    _delay_s: float

    # implemented by SandboxBrands, which comes first in SandboxProvider's bases
    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        raise NotImplementedError

    async def register_campaign(
        self, brand: BrandRef, fields: CampaignFields, client_ref: str
    ) -> CampaignInfo:
        owner = await self.get_brand(brand.provider_brand_id)
        if owner.status != "ACTIVE" or owner.identity_status not in records.VERIFIED_IDENTITIES:
            raise ProviderFieldsRejected(
                "sandbox: brand not verified",
                {
                    "brand_id": f"sandbox: the brand is {owner.status}/{owner.identity_status};"
                    " campaigns need an active, verified brand"
                },
            )
        if (fields.usecase == "SOLE_PROPRIETOR") != (brand.entity_type == "SOLE_PROPRIETOR"):
            raise ProviderFieldsRejected(
                "sandbox: usecase",
                {"usecase": "sandbox: SOLE_PROPRIETOR is the usecase of sole proprietors only"},
            )
        document = {
            "fields": _stored(fields),
            "brand_ref": brand.provider_brand_id,
            "outcome": check_markers("description", fields.description),
            "tcr_campaign_id": records.registry_id("C"),
            "review_ends": self._delay_s,
        }
        obj = await self._objects.put(CAMPAIGN, str(uuid.uuid4()), document, client_ref)
        return campaign_info(obj)

    async def find_campaign(self, client_ref: str, brand: BrandRef) -> CampaignInfo | None:
        found = await self._objects.find(CAMPAIGN, client_ref)
        return campaign_info(found) if found is not None else None

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        obj = await self._objects.get(CAMPAIGN, provider_campaign_id)
        if obj is None:
            obj = await self._imported_campaign(provider_campaign_id)
        return campaign_info(obj)

    async def update_campaign(
        self, provider_campaign_id: str, fields: CampaignFields, changed: frozenset[str]
    ) -> CampaignInfo:
        obj = await self._campaign(provider_campaign_id)
        document: dict[str, Any] = {**obj.document, "fields": _stored(fields)}
        if "description" in changed:
            document["outcome"] = check_markers("description", fields.description)
        return campaign_info(await self._objects.put(CAMPAIGN, obj.ref, document))

    async def deactivate_campaign(self, provider_campaign_id: str) -> None:
        obj = await self._campaign(provider_campaign_id)
        await self._objects.put(CAMPAIGN, obj.ref, {**obj.document, "deactivated": True})

    async def appeal_campaign(self, provider_campaign_id: str, reason: str) -> CampaignInfo:
        obj = await self._campaign(provider_campaign_id)
        if campaign_info(obj).status != "REJECTED":
            raise ProviderRejectedError("sandbox: only a rejected campaign can be appealed")
        check_markers("reason", reason)
        document = {
            **obj.document,
            "appealed": True,
            "review_ends": obj.age_s + self._delay_s,
        }
        document.pop("forced_status", None)
        return campaign_info(await self._objects.put(CAMPAIGN, obj.ref, document))

    async def carrier_statuses(self, provider_campaign_id: str) -> tuple[CarrierStatus, ...]:
        obj = await self._campaign(provider_campaign_id)
        campaign = campaign_info(obj)
        brand_ref = obj.document.get("brand_ref")
        if brand_ref is None:  # shared or imported: the other CSP's brand, verified
            brand = BrandInfo("", None, "VERIFIED", "ACTIVE")
            entity = None
        else:
            brand = await self.get_brand(brand_ref)
            stored = await self._objects.get(BRAND, brand_ref)
            entity = stored.document.get("fields", {}).get("entity_type") if stored else None
        return records.carrier_statuses(campaign, brand, entity)

    async def accept_shared_campaign(self, tcr_campaign_id: str) -> CampaignInfo:
        if tcr_campaign_id == NOT_SHARED:
            raise ProviderFieldsRejected(
                "sandbox: not shared",
                {"tcr_campaign_id": "sandbox: this campaign is not shared with this account"},
            )
        obj = await self._objects.get(CAMPAIGN, tcr_campaign_id)
        if obj is None:
            document = {
                "fields": {"usecase": "MIXED"},
                "shared": True,
                "outcome": "ok",
                "tcr_campaign_id": tcr_campaign_id,
                "review_ends": self._delay_s,
            }
            obj = await self._objects.put(CAMPAIGN, tcr_campaign_id, document)
        return campaign_info(obj)

    async def get_shared_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        obj = await self._objects.get(CAMPAIGN, provider_campaign_id)
        if obj is None or not obj.document.get("shared"):
            raise ProviderObjectNotFound(f"sandbox: no shared campaign {provider_campaign_id}")
        return campaign_info(obj)

    async def force_campaign(self, provider_campaign_id: str, status: str) -> None:
        obj = await self._objects.get(CAMPAIGN, provider_campaign_id)
        document = dict(obj.document) if obj is not None else _imported(provider_campaign_id)
        await self._objects.put(
            CAMPAIGN, provider_campaign_id, {**document, "forced_status": status}
        )

    async def _campaign(self, provider_campaign_id: str) -> LedgerObject:
        obj = await self._objects.get(CAMPAIGN, provider_campaign_id)
        return obj if obj is not None else await self._imported_campaign(provider_campaign_id)

    async def _imported_campaign(self, provider_campaign_id: str) -> LedgerObject:
        if not provider_campaign_id.strip():
            raise ProviderObjectNotFound("sandbox: empty campaign id")
        return await self._objects.put(
            CAMPAIGN, provider_campaign_id, _imported(provider_campaign_id)
        )


def _imported(ref: str) -> dict[str, Any]:
    """A campaign registered elsewhere and imported: active from the start."""
    digest = hashlib.sha256(ref.encode()).hexdigest()[:6].upper()
    return {"fields": {"usecase": "MIXED"}, "outcome": "ok", "tcr_campaign_id": f"C{digest}"}


def _stored(fields: CampaignFields) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.given().items()}
