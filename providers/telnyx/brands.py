"""Telnyx brands: registration (``POST /10dlc/brand``), changes, deletion, verification (2FA
email, SMS PIN for sole proprietors, external vetting, revet), feedback and usecase
qualification (``/10dlc/campaignBuilder/brand/{id}/usecase/{usecase}``)."""

from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

from providers.base import (
    BrandInfo,
    ProviderFieldsRejected,
    ProviderObjectNotFound,
    ProviderRejectedError,
)
from providers.registration import (
    BrandFields,
    FeedbackItem,
    OtpStatus,
    UsecaseQualification,
    Vetting,
)
from providers.telnyx import registration_records as records
from providers.telnyx.client import TelnyxClient, field, garbled, refused_request
from providers.telnyx.registration_fields import (
    REFERENCE_PARAM,
    brand_body,
    webhook_with_reference,
)

T = TypeVar("T")
BRANDS = "/10dlc/brand"
PIN_SMS = "Your verification PIN is @OTP_PIN@"
SUCCESS_SMS = "Your brand is verified."


class TelnyxBrands(TelnyxClient):
    async def register_brand(self, fields: BrandFields, client_ref: str) -> BrandInfo:
        webhook = webhook_with_reference(self._webhook_url, client_ref)
        body = await self._call("POST", BRANDS, json=brand_body(fields, webhook))
        return records.brand_info(body)

    async def find_brand(self, client_ref: str, fields: BrandFields) -> BrandInfo | None:
        """Telnyx keeps no caller reference on a brand: the brands of that display name are
        listed, newest first, and the one whose webhook URL carries the reference is it."""
        params: dict[str, Any] = {"sort": "-createdAt"}
        if fields.display_name:
            params["displayName"] = fields.display_name
        async for record in self._newest_first(BRANDS, params):
            if _may_be(record, fields):
                brand = await self._call("GET", _brand_path(field(record, "brandId", str)))
                if _carries(brand, client_ref):
                    return records.brand_info(brand)
        return None

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        body = await self._call("GET", _brand_path(provider_brand_id))
        return records.brand_info({**body, "brandId": provider_brand_id})

    async def update_brand(
        self, provider_brand_id: str, fields: BrandFields, changed: frozenset[str]
    ) -> BrandInfo:
        body = brand_body(fields, self._webhook_url)  # PUT replaces the whole brand
        return records.brand_info(
            await self._call("PUT", _brand_path(provider_brand_id), json=body)
        )

    async def delete_brand(self, provider_brand_id: str) -> None:
        await self._call_any("DELETE", _brand_path(provider_brand_id))

    async def resend_2fa_email(self, provider_brand_id: str) -> None:
        await self._call_any("POST", f"{_brand_path(provider_brand_id)}/2faEmail")

    async def send_otp(self, provider_brand_id: str) -> OtpStatus:
        path = f"{_brand_path(provider_brand_id)}/smsOtp"
        body = {"pinSms": PIN_SMS, "successSms": SUCCESS_SMS}
        await on_field(self._call("POST", path, json=body), "phone")
        return await self._otp_after(provider_brand_id, "SENT")

    async def verify_otp(self, provider_brand_id: str, pin: str) -> OtpStatus:
        path = f"{_brand_path(provider_brand_id)}/smsOtp"
        await on_field(self._call_any("PUT", path, json={"otpPin": pin}), "pin")
        return await self._otp_after(provider_brand_id, "VERIFIED")

    async def get_otp(self, provider_brand_id: str) -> OtpStatus | None:
        try:
            body = await self._call("GET", f"{_brand_path(provider_brand_id)}/smsOtp")
        except ProviderObjectNotFound:
            return None
        return records.otp_status(body)

    async def brand_feedback(self, provider_brand_id: str) -> tuple[FeedbackItem, ...]:
        body = await self._call("GET", f"{BRANDS}/feedback/{quote(provider_brand_id, safe='')}")
        return records.feedback(body)

    async def list_vettings(self, provider_brand_id: str) -> tuple[Vetting, ...]:
        listed = await self._call_any("GET", f"{_brand_path(provider_brand_id)}/externalVetting")
        if not isinstance(listed, list):
            raise garbled("externalVetting is not a list")
        return tuple(records.vetting(record) for record in listed)

    async def order_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_class: str
    ) -> Vetting:
        path = f"{_brand_path(provider_brand_id)}/externalVetting"
        body = {"evpId": evp_id, "vettingClass": vetting_class}
        # a duplicate order (code 10012) names no field: it is the class already ordered
        return records.vetting(await on_field(self._call("POST", path, json=body), "vetting_class"))

    async def import_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_id: str, vetting_token: str | None
    ) -> Vetting:
        path = f"{_brand_path(provider_brand_id)}/externalVetting"
        body = {"evpId": evp_id, "vettingId": vetting_id}
        if vetting_token is not None:
            body["vettingToken"] = vetting_token
        return records.vetting(await on_field(self._call("PUT", path, json=body), "vetting_id"))

    async def revet_brand(self, provider_brand_id: str) -> BrandInfo:
        body = await self._call("PUT", f"{_brand_path(provider_brand_id)}/revet")
        return records.brand_info(body)

    async def qualify_usecase(self, provider_brand_id: str, usecase: str) -> UsecaseQualification:
        """Telnyx answers the usecase's metadata per carrier when the brand qualifies and
        refuses (4xx) when it does not; the upfront cost is ``/campaign/usecase/cost``."""
        path = f"/10dlc/campaignBuilder/brand/{quote(provider_brand_id, safe='')}"
        try:
            metadata = await self._call("GET", f"{path}/usecase/{quote(usecase, safe='')}")
        except ProviderRejectedError as exc:
            if isinstance(exc, ProviderObjectNotFound) or not refused_request(exc):
                raise
            return UsecaseQualification(usecase=usecase, qualifies=False)
        cost = await self._call("GET", "/10dlc/campaign/usecase/cost", params={"usecase": usecase})
        return records.qualification(usecase, metadata, cost)

    async def _otp_after(self, provider_brand_id: str, expected: str) -> OtpStatus:
        """The PIN's status after a change; what the change implies if Telnyx cannot say yet."""
        found = await self.get_otp(provider_brand_id)
        return found if found is not None else OtpStatus(status=expected)


def _brand_path(provider_brand_id: str) -> str:
    return f"{BRANDS}/{quote(provider_brand_id, safe='')}"


def _may_be(record: dict[str, Any], fields: BrandFields) -> bool:
    """Whether a listed brand can be the one registered with ``fields`` (cheap checks first)."""
    for name, value in (("entityType", fields.entity_type), ("email", fields.email)):
        listed = record.get(name)
        if value is not None and listed is not None and listed != value:
            return False
    return True


def _carries(brand: dict[str, Any], client_ref: str) -> bool:
    for name in ("webhookURL", "webhookFailoverURL"):
        url = brand.get(name)
        if isinstance(url, str) and client_ref in parse_qs(urlsplit(url).query).get(
            REFERENCE_PARAM, []
        ):
            return True
    return False


async def on_field(call: Awaitable[T], name: str) -> T:
    """The call, a refusal of the request that names no field being one of ``name``."""
    try:
        return await call
    except ProviderFieldsRejected as exc:
        if set(exc.fields) == {"body"}:
            raise ProviderFieldsRejected(exc.reason, {name: exc.fields["body"]}) from None
        raise
    except ProviderRejectedError as exc:
        if isinstance(exc, ProviderObjectNotFound) or not refused_request(exc):
            raise
        raise ProviderFieldsRejected(exc.reason, {name: exc.reason}) from None
