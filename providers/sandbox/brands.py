"""The sandbox's brands: registration, verification (OTP, 2FA email, vetting), feedback and
usecase qualification, emulating the lifecycle of DESIGN.md (see ``records``)."""

import uuid
from decimal import Decimal
from typing import Any

from providers.base import BrandInfo, ProviderFieldsRejected, ProviderObjectNotFound
from providers.descriptor import LedgerObject, ObjectLedger
from providers.registration import (
    BrandFields,
    FeedbackItem,
    OtpStatus,
    UsecaseCost,
    UsecaseQualification,
    Vetting,
)
from providers.sandbox import records
from providers.sandbox.records import BRAND, FAIL, OTP_PIN, brand_info, check_markers

_MONTHLY = {"LOW_VOLUME": Decimal("1.50"), "SOLE_PROPRIETOR": Decimal("2.00")}
_STANDARD_MONTHLY = Decimal("10.00")


class SandboxBrands:
    name: str
    _objects: ObjectLedger
    _delay_s: float

    async def register_brand(self, fields: BrandFields, client_ref: str) -> BrandInfo:
        outcome = check_markers("display_name", fields.display_name)
        document = {
            "fields": fields.given(),
            "outcome": outcome,
            "tcr_brand_id": records.registry_id("B"),
            "review_ends": self._delay_s,
        }
        obj = await self._objects.put(BRAND, str(uuid.uuid4()), document, client_ref)
        return brand_info(obj)

    async def find_brand(self, client_ref: str, fields: BrandFields) -> BrandInfo | None:
        found = await self._objects.find(BRAND, client_ref)
        return brand_info(found) if found is not None else None

    async def get_brand(self, provider_brand_id: str) -> BrandInfo:
        obj = await self._objects.get(BRAND, provider_brand_id)
        if obj is None:
            obj = await self._imported_brand(provider_brand_id)
        return brand_info(obj)

    async def update_brand(
        self, provider_brand_id: str, fields: BrandFields, changed: frozenset[str]
    ) -> BrandInfo:
        obj = await self._brand(provider_brand_id)
        given = fields.given()
        outcome = check_markers("display_name", given.get("display_name"))
        document = {**obj.document, "fields": given, "outcome": outcome}
        return brand_info(await self._resubmit(obj, document))

    async def revet_brand(self, provider_brand_id: str) -> BrandInfo:
        obj = await self._brand(provider_brand_id)
        return brand_info(await self._resubmit(obj, dict(obj.document)))

    async def delete_brand(self, provider_brand_id: str) -> None:
        obj = await self._brand(provider_brand_id)
        await self._objects.put(BRAND, obj.ref, {**obj.document, "deleted": True})

    async def resend_2fa_email(self, provider_brand_id: str) -> None:
        obj = await self._brand(provider_brand_id)
        self._require_entity(obj, "PUBLIC_PROFIT", "only public companies verify by email")
        sent = int(obj.document.get("emails_sent", 0)) + 1
        await self._objects.put(BRAND, obj.ref, {**obj.document, "emails_sent": sent})

    async def send_otp(self, provider_brand_id: str) -> OtpStatus:
        obj = await self._brand(provider_brand_id)
        self._require_entity(obj, "SOLE_PROPRIETOR", "only sole proprietors verify by SMS PIN")
        otp = {**(obj.document.get("otp") or {}), "sent_at": records.now_iso()}
        stored = await self._objects.put(BRAND, obj.ref, {**obj.document, "otp": otp})
        found = await self.get_otp(stored.ref)
        assert found is not None
        return found

    async def verify_otp(self, provider_brand_id: str, pin: str) -> OtpStatus:
        obj = await self._brand(provider_brand_id)
        self._require_entity(obj, "SOLE_PROPRIETOR", "only sole proprietors verify by SMS PIN")
        if pin != OTP_PIN:
            raise ProviderFieldsRejected(
                "sandbox: wrong PIN", {"pin": f"sandbox: wrong PIN (the sandbox's is {OTP_PIN})"}
            )
        otp = dict(obj.document.get("otp") or {})
        otp.setdefault("sent_at", records.now_iso())
        otp.setdefault("verified_at", records.now_iso())
        await self._objects.put(BRAND, obj.ref, {**obj.document, "otp": otp})
        found = await self.get_otp(obj.ref)
        assert found is not None
        return found

    async def get_otp(self, provider_brand_id: str) -> OtpStatus | None:
        obj = await self._brand(provider_brand_id)
        otp = obj.document.get("otp")
        if not otp:
            return None
        verified = otp.get("verified_at")
        return OtpStatus(
            status="VERIFIED" if verified else "SENT",
            phone=obj.document.get("fields", {}).get("phone"),
            sent_at=records.moment(otp.get("sent_at")),
            verified_at=records.moment(verified),
            delivery_status="DELIVERED_HANDSET",
        )

    async def brand_feedback(self, provider_brand_id: str) -> tuple[FeedbackItem, ...]:
        obj = await self._brand(provider_brand_id)
        if brand_info(obj).status != "FAILED":
            return ()
        description = f"sandbox: the display name asked for a failed review ({FAIL})"
        return (FeedbackItem("OTHERS", "Other", description, ("display_name",)),)

    async def list_vettings(self, provider_brand_id: str) -> tuple[Vetting, ...]:
        obj = await self._brand(provider_brand_id)
        return records.vettings_of(obj.document, obj.age_s)

    async def order_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_class: str
    ) -> Vetting:
        obj = await self._brand(provider_brand_id)
        if obj.document.get("fields", {}).get("entity_type") == "SOLE_PROPRIETOR":
            raise ProviderFieldsRejected(
                "sandbox: not vettable", {"evp_id": "sandbox: sole proprietors are not vetted"}
            )
        check_markers("evp_id", evp_id)
        if any(
            (v["evp_id"], v["vetting_class"]) == (evp_id, vetting_class)
            for v in obj.document.get("vettings", [])
        ):
            raise ProviderFieldsRejected(
                "sandbox: duplicate vetting",
                {"vetting_class": "sandbox: a vetting of this class was already ordered"},
            )
        return await self._add_vetting(obj, evp_id, vetting_class, str(uuid.uuid4()))

    async def import_vetting(
        self, provider_brand_id: str, evp_id: str, vetting_id: str, vetting_token: str | None
    ) -> Vetting:
        obj = await self._brand(provider_brand_id)
        check_markers("vetting_id", vetting_id)
        return await self._add_vetting(obj, evp_id, "IMPORTED", vetting_id)

    async def qualify_usecase(self, provider_brand_id: str, usecase: str) -> UsecaseQualification:
        obj = await self._brand(provider_brand_id)
        brand = brand_info(obj)
        entity = obj.document.get("fields", {}).get("entity_type")
        qualifies = (
            brand.status == "ACTIVE"
            and brand.identity_status in records.VERIFIED_IDENTITIES
            and (usecase == "SOLE_PROPRIETOR") == (entity == "SOLE_PROPRIETOR")
        )
        monthly = _MONTHLY.get(usecase, _STANDARD_MONTHLY)
        multi = usecase in ("MIXED", "LOW_VOLUME")
        return UsecaseQualification(
            usecase=usecase,
            qualifies=qualifies,
            carriers=records.qualifications(brand, entity, qualifies),
            cost=UsecaseCost("USD", monthly * 3, monthly, monthly * 3, monthly * 12),
            min_sub_usecases=2 if multi else 0,
            max_sub_usecases=5 if multi else 0,
        )

    async def force_brand(
        self, provider_brand_id: str, identity_status: str | None, status: str | None
    ) -> None:
        obj = await self._objects.get(BRAND, provider_brand_id)
        document: dict[str, Any] = (
            dict(obj.document) if obj is not None else records.imported_brand(provider_brand_id)
        )
        if identity_status is not None:
            document["forced_identity"] = identity_status
        if status is not None:
            document["forced_status"] = status
        await self._objects.put(BRAND, provider_brand_id, document)

    async def _brand(self, provider_brand_id: str) -> LedgerObject:
        """A brand of the ledger; one registered elsewhere is recorded on first use."""
        obj = await self._objects.get(BRAND, provider_brand_id)
        if obj is None:
            obj = await self._imported_brand(provider_brand_id)
        if obj.document.get("deleted"):
            raise ProviderObjectNotFound(f"sandbox: brand {provider_brand_id} was deleted")
        return obj

    async def _imported_brand(self, provider_brand_id: str) -> LedgerObject:
        if not provider_brand_id.strip():
            raise ProviderObjectNotFound("sandbox: empty brand id")
        return await self._objects.put(
            BRAND, provider_brand_id, records.imported_brand(provider_brand_id)
        )

    async def _resubmit(self, obj: LedgerObject, document: dict[str, Any]) -> LedgerObject:
        """A brand changed or revetted: one that failed (or is in review) is reviewed again;
        an active one keeps its state while its new fields are checked at once."""
        if brand_info(obj).status in ("FAILED", "PENDING"):
            document["review_ends"] = obj.age_s + self._delay_s
        document.pop("forced_status", None)
        return await self._objects.put(BRAND, obj.ref, document)

    async def _add_vetting(
        self, obj: LedgerObject, evp_id: str, vetting_class: str, vetting_id: str
    ) -> Vetting:
        entry = {
            "evp_id": evp_id,
            "vetting_class": vetting_class,
            "vetting_id": vetting_id,
            "ready_at": obj.age_s + self._delay_s,
            "created_at": records.now_iso(),
        }
        vettings = [*obj.document.get("vettings", []), entry]
        stored = await self._objects.put(BRAND, obj.ref, {**obj.document, "vettings": vettings})
        return records.vettings_of(stored.document, stored.age_s)[-1]

    def _require_entity(self, obj: LedgerObject, entity_type: str, why: str) -> None:
        if obj.document.get("fields", {}).get("entity_type") != entity_type:
            raise ProviderFieldsRejected(f"sandbox: {why}", {"entity_type": f"sandbox: {why}"})
