"""The sandbox's registry: brand and campaign documents and the state they are in.

Every time in a document is an age of that object (seconds since it was first recorded, by
the database's clock), so any process reading it agrees on what has settled. A review
(registration, re-submission, appeal, vetting) ends at ``review_ends``; until then the object
is PENDING and the reader is told when to look again (``recheck_after_s``).

Markers in a name or text let a test drive the outcome, like a test card number:
``[reject]`` is refused at once (422 PROVIDER_REJECTED), ``[fail]`` is accepted and then fails
its review (brand FAILED, campaign REJECTED, with reasons), ``[unavailable]`` answers as a
provider that is down (502 PROVIDER_ERROR).
"""

import random
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from providers.base import (
    BrandInfo,
    CampaignInfo,
    ProviderFieldsRejected,
    ProviderTemporaryError,
)
from providers.descriptor import LedgerObject
from providers.registration import CarrierQualification, CarrierStatus, Vetting

BRAND, CAMPAIGN = "brand", "campaign"
REJECT, FAIL, UNAVAILABLE = "[reject]", "[fail]", "[unavailable]"
OTP_PIN = "123456"
VETTING_SCORE = 80
CARRIERS = ("AT&T", "T-Mobile", "Verizon Wireless", "US Cellular")
VERIFIED_IDENTITIES = ("VERIFIED", "VETTED_VERIFIED", "SELF_DECLARED")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def registry_id(prefix: str) -> str:
    """A TCR-style id: B or C and six capitals or digits."""
    return prefix + "".join(random.choices(string.ascii_uppercase + string.digits, k=6))


def check_markers(field: str, text: str | None) -> str:
    """``"fail"`` if the text asks for a failed review, else ``"ok"``; raises for the markers
    that answer at once."""
    value = (text or "").lower()
    if UNAVAILABLE in value:
        raise ProviderTemporaryError("sandbox: provider unavailable (simulated)")
    if REJECT in value:
        raise ProviderFieldsRejected(
            "sandbox: refused", {field: f"sandbox: refused ({REJECT} in {field})"}
        )
    return "fail" if FAIL in value else "ok"


def remaining(document: Mapping[str, Any], age_s: float, key: str = "review_ends") -> float:
    return max(0.0, float(document.get(key, 0.0)) - age_s)


def soonest(*waits: float | None) -> float | None:
    pending = [w for w in waits if w is not None and w > 0]
    return min(pending) if pending else None


def failure(field: str) -> str:
    return f"sandbox: the {field.replace('_', ' ')} failed review ({FAIL})"


# ---- brands ----------------------------------------------------------------------------------


def vettings_of(document: Mapping[str, Any], age_s: float) -> tuple[Vetting, ...]:
    found = []
    for v in document.get("vettings", []):
        done = remaining(v, age_s, "ready_at") == 0
        found.append(
            Vetting(
                evp_id=v["evp_id"],
                vetting_class=v["vetting_class"],
                vetting_id=v["vetting_id"],
                status="COMPLETED" if done else "PENDING",
                score=VETTING_SCORE if done else None,
                created_at=datetime.fromisoformat(v["created_at"]),
            )
        )
    return tuple(found)


def brand_info(obj: LedgerObject) -> BrandInfo:
    doc, age = obj.document, obj.age_s
    fields = doc.get("fields", {})
    review = remaining(doc, age)
    vetting_waits = [remaining(v, age, "ready_at") for v in doc.get("vettings", [])]
    reasons: tuple[str, ...] = ()
    if review > 0:
        status, identity = "PENDING", "UNVERIFIED"
    elif doc.get("outcome") == "fail":
        status, identity, reasons = "FAILED", "UNVERIFIED", (failure("display_name"),)
    else:
        status = "ACTIVE"
        if fields.get("entity_type") == "SOLE_PROPRIETOR":
            verified = (doc.get("otp") or {}).get("verified_at")
            identity = "VERIFIED" if verified else "UNVERIFIED"
        elif any(w == 0 for w in vetting_waits):
            identity = "VETTED_VERIFIED"
        else:
            identity = "VERIFIED"
    if doc.get("deleted"):
        status = "DELETED"
    forced = doc.get("forced_identity") or doc.get("forced_status")
    return BrandInfo(
        provider_brand_id=obj.ref,
        display_name=fields.get("display_name"),
        identity_status=doc.get("forced_identity") or identity,
        status=doc.get("forced_status") or status,
        tcr_brand_id=doc.get("tcr_brand_id"),
        failure_reasons=reasons,
        recheck_after_s=None if forced or doc.get("deleted") else soonest(review, *vetting_waits),
    )


def imported_brand(ref: str) -> dict[str, Any]:
    """The document of a brand registered elsewhere and imported: verified from the start."""
    return {"fields": {"display_name": f"Sandbox brand {ref}"}, "outcome": "ok", "imported": True}


def carrier_terms(brand: BrandInfo, entity_type: str | None) -> tuple[int, int, str]:
    """(AT&T messages per minute, T-Mobile daily cap, T-Mobile tier) of a brand."""
    if entity_type == "SOLE_PROPRIETOR":
        return 15, 1000, "SOLE_PROPRIETOR"
    if brand.identity_status == "VETTED_VERIFIED":
        return 4500, 10000, "MID"
    return 240, 2000, "LOW"


def qualifications(
    brand: BrandInfo, entity_type: str | None, qualifies: bool
) -> tuple[CarrierQualification, ...]:
    tpm, cap, tier = carrier_terms(brand, entity_type)
    return (
        CarrierQualification("AT&T", qualifies, tpm=tpm, review=False),
        CarrierQualification("T-Mobile", qualifies, daily_cap=cap, tier=tier, review=False),
        CarrierQualification("Verizon Wireless", qualifies, review=False),
        CarrierQualification("US Cellular", qualifies, tpm=tpm, review=False),
    )


# ---- campaigns -------------------------------------------------------------------------------

_AT_CARRIERS = {
    "ACTIVE": "APPROVED",
    "PENDING": "PENDING",
    "REJECTED": "REJECTED",
    "SUSPENDED": "SUSPENDED",
    "EXPIRED": "DEACTIVATED",
    "DEACTIVATED": "DEACTIVATED",
}


def campaign_info(obj: LedgerObject) -> CampaignInfo:
    doc, age = obj.document, obj.age_s
    fields = doc.get("fields", {})
    review = remaining(doc, age)
    reasons: tuple[str, ...] = ()
    if doc.get("deactivated"):
        status = "DEACTIVATED"
    elif review > 0:
        status = "PENDING"
    elif doc.get("outcome") == "fail" and not doc.get("appealed"):
        status, reasons = "REJECTED", (failure("description"),)
    else:
        status = "ACTIVE"
    status = doc.get("forced_status") or status
    settled = doc.get("deactivated") or doc.get("forced_status")
    return CampaignInfo(
        provider_campaign_id=obj.ref,
        provider_brand_id=doc.get("brand_ref"),
        tcr_campaign_id=doc.get("tcr_campaign_id"),
        usecase=fields.get("usecase"),
        status=status,
        provider_status=status,
        failure_reasons=reasons,
        recheck_after_s=None if settled else soonest(review),
    )


def carrier_statuses(
    campaign: CampaignInfo, brand: BrandInfo, entity_type: str | None
) -> tuple[CarrierStatus, ...]:
    status = _AT_CARRIERS[campaign.status]
    tpm, cap, tier = carrier_terms(brand, entity_type)
    reason = campaign.failure_reasons[0] if campaign.failure_reasons else None
    return tuple(
        CarrierStatus(
            carrier=carrier,
            status=status,
            provider_status=status,
            tpm=None if carrier == "T-Mobile" else tpm,
            daily_cap=cap if carrier == "T-Mobile" else None,
            tier=tier if carrier == "T-Mobile" else None,
            reason=reason if status == "REJECTED" else None,
        )
        for carrier in CARRIERS
    )
