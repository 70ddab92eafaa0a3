"""Plivo registration: business profile → brand, usecases, campaigns, campaign import by TCR id.

A brand is registered in two calls: ``POST /Profile/`` (its ``profile_alias`` is numlink's
client reference) and ``POST /10dlc/Brand/`` with the profile's uuid, which the brand keeps
(``profile_uuid`` of ``GET /10dlc/Brand/{id}/``), so changes go to that profile. After a crash
``find_brand`` looks the profile up by its alias and the brand by its profile; a profile whose
brand was never created is used again rather than made twice. Campaigns carry the reference as
``campaign_alias``. Both creations give numlink's webhook URL as the status callback ``url``.

Plivo's 4xx answers become ``ProviderFieldsRejected`` with Plivo's words per field, in
numlink's names (``registration_mapping.rejected_fields``).
"""

from collections.abc import AsyncIterator, Awaitable
from contextlib import suppress
from typing import Any, TypeVar
from urllib.parse import quote

from providers.base import (
    BrandInfo,
    CampaignInfo,
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
    ProviderTemporaryError,
)
from providers.plivo.errors import PlivoRejectedError
from providers.plivo.registration_mapping import (
    brand_body,
    brand_info,
    campaign_body,
    campaign_info,
    campaign_texts,
    carrier_statuses,
    profile_body,
    profile_update_body,
    qualification,
    rejected_fields,
)
from providers.registration import (
    BrandFields,
    BrandRef,
    CampaignFields,
    CarrierStatus,
    UsecaseQualification,
)

T = TypeVar("T")
PAGE = 20  # Plivo's lists answer at most 20 objects a request
MAX_PAGES = 500  # a listing that does not end is a garbled answer, not a reason to loop
_ACCOUNT_REFUSALS = frozenset({401, 403})


class PlivoRegistration:
    """Mixed into ``PlivoProvider``, which supplies the HTTP call and the reads below."""

    def __init__(self) -> None:
        # profiles a crashed registration left without a brand, found by ``find_brand``, for
        # the ``register_brand`` that follows it in the same retry: by client reference
        self._orphan_profiles: dict[str, str] = {}

    async def _call(
        self, method: str, path: str, *, empty_ok: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _callback(self) -> dict[str, str] | None:
        raise NotImplementedError

    async def _brand(self, provider_brand_id: str) -> dict[str, Any]:
        raise NotImplementedError

    async def _campaign(self, provider_campaign_id: str) -> dict[str, Any]:
        raise NotImplementedError

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        raise NotImplementedError

    async def get_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        raise NotImplementedError

    # ---- brands ---------------------------------------------------------------------------

    async def register_brand(self, fields: BrandFields, client_ref: str) -> BrandInfo:
        profile_uuid = self._orphan_profiles.pop(client_ref, None)
        if profile_uuid is None:
            answer = await _refusing(
                self._call("POST", "/Profile/", json=profile_body(fields, client_ref))
            )
            profile_uuid = _text(answer, "profile_uuid")
        body = brand_body(fields, profile_uuid, self._callback() or {})
        try:
            answer = await _refusing(self._call("POST", "/10dlc/Brand/", json=body))
        except ProviderRejectedError:
            await self._drop_profile(profile_uuid)  # nothing half-written at Plivo
            raise
        brand_id = _text(answer, "brand_id")
        return BrandInfo(
            provider_brand_id=brand_id,
            display_name=fields.display_name,
            identity_status="UNVERIFIED",
            status="PENDING",
            tcr_brand_id=brand_id,
        )

    async def find_brand(self, client_ref: str, fields: BrandFields) -> BrandInfo | None:
        profile_uuid = None
        async for profile in self._pages("/Profile/", "profiles"):
            if profile.get("profile_alias") == client_ref:
                profile_uuid = profile.get("profile_uuid")
                break
        if not isinstance(profile_uuid, str) or not profile_uuid:
            return None
        async for brand in self._pages("/10dlc/Brand/", "brands"):
            brand_id = brand.get("brand_id")
            if brand.get("profile_uuid") == profile_uuid and isinstance(brand_id, str):
                return brand_info(brand, brand_id)
        self._orphan_profiles[client_ref] = profile_uuid
        return None

    async def update_brand(
        self, provider_brand_id: str, fields: BrandFields, changed: frozenset[str]
    ) -> BrandInfo:
        profile_uuid = (await self._brand(provider_brand_id)).get("profile_uuid")
        if not isinstance(profile_uuid, str) or not profile_uuid:
            raise ProviderRejectedError(
                f"plivo: brand {provider_brand_id} has no business profile to change"
            )
        body = profile_update_body(fields, changed)
        if body:
            path = f"/Profile/{quote(profile_uuid, safe='')}/"
            await _refusing(self._call("POST", path, json=body))
        return await self.get_brand(provider_brand_id)

    async def delete_brand(self, provider_brand_id: str) -> None:
        # the business profile stays: Plivo keeps it for the account's other uses
        path = f"/10dlc/Brand/{quote(provider_brand_id, safe='')}/"
        await _refusing(self._call("DELETE", path, empty_ok=True))

    async def qualify_usecase(self, provider_brand_id: str, usecase: str) -> UsecaseQualification:
        path = f"/10dlc/Brand/{quote(provider_brand_id, safe='')}/usecases/"
        return qualification(usecase, await _refusing(self._call("GET", path)))

    # ---- campaigns ------------------------------------------------------------------------

    async def register_campaign(
        self, brand: BrandRef, fields: CampaignFields, client_ref: str
    ) -> CampaignInfo:
        if fields.number_pool:
            reason = "plivo: Plivo registers no number-pool campaigns"
            raise ProviderFieldsRejected(reason, {"number_pool": reason})
        vertical = brand.vertical
        if vertical is None:  # an imported brand: Plivo knows its vertical
            vertical = _str((await self._brand(brand.provider_brand_id)).get("vertical"))
        body = campaign_body(
            brand.provider_brand_id, vertical, fields, client_ref, self._callback() or {}
        )
        answer = await _refusing(self._call("POST", "/10dlc/Campaign/", json=body))
        campaign_id = _text(answer, "campaign_id")
        return CampaignInfo(
            provider_campaign_id=campaign_id,
            provider_brand_id=brand.provider_brand_id,
            tcr_campaign_id=campaign_id,
            usecase=fields.usecase,
            status="PENDING",
            provider_status=None,
        )

    async def find_campaign(self, client_ref: str, brand: BrandRef) -> CampaignInfo | None:
        params = {"brand_id": brand.provider_brand_id}
        async for campaign in self._pages("/10dlc/Campaign/", "campaigns", params):
            campaign_id = campaign.get("campaign_id")
            if campaign.get("campaign_alias") == client_ref and isinstance(campaign_id, str):
                return campaign_info(campaign, campaign_id)
        return None

    async def update_campaign(
        self, provider_campaign_id: str, fields: CampaignFields, changed: frozenset[str]
    ) -> CampaignInfo:
        path = f"/10dlc/Campaign/{quote(provider_campaign_id, safe='')}/"
        answer = await _refusing(self._call("POST", path, json=campaign_texts(fields, changed)))
        campaign = answer.get("campaign")
        if isinstance(campaign, dict) and campaign.get("registration_status"):
            return campaign_info(campaign, provider_campaign_id)
        return await self.get_campaign(provider_campaign_id)

    async def deactivate_campaign(self, provider_campaign_id: str) -> None:
        path = f"/10dlc/Campaign/{quote(provider_campaign_id, safe='')}/"
        await _refusing(self._call("DELETE", path, empty_ok=True))

    async def carrier_statuses(self, provider_campaign_id: str) -> tuple[CarrierStatus, ...]:
        campaign = await self._campaign(provider_campaign_id)
        info = campaign_info(campaign, provider_campaign_id)
        return carrier_statuses(info, campaign.get("mno_metadata"))

    async def accept_shared_campaign(self, tcr_campaign_id: str) -> CampaignInfo:
        """Plivo's campaign import; importing one already imported answers it (a retry)."""
        body = {"campaign_id": tcr_campaign_id, "campaign_alias": tcr_campaign_id}
        try:
            await self._call(
                "POST", "/10dlc/Campaign/Import/", json={**body, **(self._callback() or {})}
            )
        except PlivoRejectedError as exc:
            if exc.http_status not in _ACCOUNT_REFUSALS:
                try:
                    return await self.get_campaign(tcr_campaign_id)
                except ProviderObjectNotFound:
                    pass
            raise ProviderFieldsRejected(exc.reason, {"tcr_campaign_id": exc.reason}) from None
        except ProviderObjectNotFound as exc:
            raise ProviderFieldsRejected(exc.reason, {"tcr_campaign_id": exc.reason}) from None
        try:
            return await self.get_campaign(tcr_campaign_id)
        except ProviderObjectNotFound:  # accepted, not listed yet
            return CampaignInfo(tcr_campaign_id, None, tcr_campaign_id, None, "PENDING", None)

    async def get_shared_campaign(self, provider_campaign_id: str) -> CampaignInfo:
        return await self.get_campaign(provider_campaign_id)

    # ---- helpers --------------------------------------------------------------------------

    async def _pages(
        self, path: str, key: str, params: dict[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every object of a Plivo list, page by page (``limit``/``offset``)."""
        for page in range(MAX_PAGES):
            query = {**(params or {}), "limit": PAGE, "offset": page * PAGE}
            body = await self._call("GET", path, params=query)
            objects = body.get(key)
            if not isinstance(objects, list):
                raise ProviderTemporaryError(f"plivo: unexpected response: no {key} list")
            for item in objects:
                if isinstance(item, dict):
                    yield item
            meta = body.get("meta")
            more = meta.get("next") if isinstance(meta, dict) else len(objects) >= PAGE
            if not more or not objects:
                return
        raise ProviderTemporaryError(f"plivo: unexpected response: {path} does not end")

    async def _drop_profile(self, profile_uuid: str) -> None:
        # a profile without a brand costs nothing; the refusal is what the org must hear
        with suppress(ProviderRejectedError, ProviderTemporaryError):
            await self._call("DELETE", f"/Profile/{quote(profile_uuid, safe='')}/", empty_ok=True)


async def _refusing(call: Awaitable[T]) -> T:
    """Plivo's 4xx refusals with its words per field, in numlink's names."""
    try:
        return await call
    except PlivoRejectedError as exc:
        raise ProviderFieldsRejected(exc.reason, rejected_fields(exc.errors, exc.reason)) from None


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str) or not value:
        raise ProviderTemporaryError(f"plivo: unexpected response: no {key}")
    return value


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
