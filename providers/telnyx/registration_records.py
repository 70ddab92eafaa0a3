"""Telnyx's registration answers in numlink's terms: brands, campaigns (its own and partner
ones), vettings, SMS PINs, feedback, usecase qualification and per-carrier status."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from providers.base import BrandInfo, CampaignInfo
from providers.registration import (
    CarrierQualification,
    CarrierStatus,
    FeedbackItem,
    OtpStatus,
    UsecaseCost,
    UsecaseQualification,
    Vetting,
)
from providers.telnyx.client import field, garbled
from providers.telnyx.mapping import BRAND_STATUS, CAMPAIGN_STATUS, IDENTITY_STATUSES
from providers.telnyx.registration_fields import numlink_field

# TCR's network ids of the US carriers, for answers that name none (``mno`` names it when given)
NETWORKS: dict[str, str] = {
    "10017": "AT&T",
    "10035": "T-Mobile",
    "10037": "Verizon Wireless",
    "10038": "US Cellular",
}

# a campaign's operation status at one carrier (TCR's words) → numlink's carrier status
CARRIER_STATUS: dict[str, str] = {
    "REVIEW": "PENDING",
    "PENDING": "PENDING",
    "APPROVED": "APPROVED",
    "REGISTERED": "APPROVED",
    "ACTIVE": "APPROVED",
    "REJECTED": "REJECTED",
    "FAILED": "REJECTED",
    "SUSPENDED": "SUSPENDED",
    "DEACTIVATED": "DEACTIVATED",
    "EXPIRED": "DEACTIVATED",
}


def brand_info(body: dict[str, Any]) -> BrandInfo:
    identity = body.get("identityStatus") or "UNVERIFIED"
    if identity not in IDENTITY_STATUSES:
        raise garbled(f"unknown identityStatus {identity!r}")
    return BrandInfo(
        provider_brand_id=field(body, "brandId", str),
        display_name=_text(body.get("displayName")),
        identity_status=identity,
        status=BRAND_STATUS.get(str(body.get("status")), "PENDING"),
        tcr_brand_id=_text(body.get("tcrBrandId")),
        failure_reasons=_reasons(body.get("failureReasons")),
    )


def campaign_info(body: dict[str, Any], provider_campaign_id: str | None = None) -> CampaignInfo:
    """A campaign of the account (``TelnyxCampaign_CSP``). Before the registry has taken it,
    Telnyx shows only its ``submissionStatus``."""
    provider_status = _text(body.get("campaignStatus"))
    if provider_status in CAMPAIGN_STATUS:
        status = CAMPAIGN_STATUS[provider_status]
    else:
        status = "REJECTED" if body.get("submissionStatus") == "FAILED" else "PENDING"
    return CampaignInfo(
        provider_campaign_id=provider_campaign_id or field(body, "campaignId", str),
        provider_brand_id=_text(body.get("brandId")),
        tcr_campaign_id=_text(body.get("tcrCampaignId")),
        usecase=_text(body.get("usecase")),
        status=status,
        provider_status=provider_status,
        failure_reasons=_reasons(body.get("failureReasons")),
    )


def partner_campaign_info(body: dict[str, Any]) -> CampaignInfo:
    """A campaign another CSP shared (``TelnyxDownstreamCampaign``), known by its TCR id."""
    tcr_id = field(body, "tcrCampaignId", str)
    provider_status = _text(body.get("campaignStatus"))
    return CampaignInfo(
        provider_campaign_id=tcr_id,
        provider_brand_id=None,
        tcr_campaign_id=tcr_id,
        usecase=_text(body.get("usecase")),
        status=CAMPAIGN_STATUS.get(str(provider_status), "PENDING"),
        provider_status=provider_status,
        failure_reasons=_reasons(body.get("failureReasons")),
    )


def vetting(record: object) -> Vetting:
    """``ExternalVetting``: scored means completed; Telnyx shows no other state."""
    if not isinstance(record, dict):
        raise garbled("vetting record is not an object")
    score = record.get("vettingScore")
    return Vetting(
        evp_id=field(record, "evpId", str),
        vetting_class=_text(record.get("vettingClass")) or "",
        vetting_id=_text(record.get("vettingId")),
        status="COMPLETED" if isinstance(score, int) else "PENDING",
        score=score if isinstance(score, int) else None,
        created_at=moment(record.get("createDate")),
    )


def otp_status(body: dict[str, Any]) -> OtpStatus:
    """``BrandSmsOtpStatus``: verified once it has a ``verifyDate``."""
    delivery = _text(body.get("deliveryStatus"))
    if body.get("verifyDate"):
        status = "VERIFIED"
    elif delivery in ("FAILED", "EXPIRED"):
        status = delivery
    else:
        status = "SENT"
    return OtpStatus(
        status=status,
        phone=_text(body.get("mobilePhone")),
        sent_at=moment(body.get("requestDate")),
        verified_at=moment(body.get("verifyDate")),
        delivery_status=delivery,
    )


def feedback(body: dict[str, Any]) -> tuple[FeedbackItem, ...]:
    items = []
    for category in field(body, "category", list):
        if not isinstance(category, dict):
            raise garbled("feedback category is not an object")
        names = [numlink_field(str(f)) for f in category.get("fields") or []]
        items.append(
            FeedbackItem(
                code=field(category, "id", str),
                title=_text(category.get("displayName")) or "",
                description=_text(category.get("description")) or "",
                fields=tuple(dict.fromkeys(n for n in names if n != "body")),
            )
        )
    return tuple(items)


def qualification(
    usecase: str, metadata: dict[str, Any], cost: dict[str, Any] | None
) -> UsecaseQualification:
    """``UsecaseMetadata`` (per carrier in ``mnoMetadata``) and ``CampaignCost``; Telnyx
    answers the metadata only for a usecase the brand qualifies for."""
    carriers = tuple(
        CarrierQualification(
            carrier=_carrier(network, item),
            qualifies=bool(item.get("qualify")),
            tpm=_int(item.get("tpm")),
            daily_cap=_int(item.get("brandDailyCap")),
            tier=_text(item.get("brandTier")) or _text(item.get("msgClass")),
            review=item.get("mnoReview") if isinstance(item.get("mnoReview"), bool) else None,
        )
        for network, item in _mno_items(metadata.get("mnoMetadata"))
    )
    return UsecaseQualification(
        usecase=usecase,
        qualifies=any(c.qualifies for c in carriers) if carriers else True,
        carriers=carriers,
        cost=UsecaseCost(
            currency="USD",
            upfront=_amount(cost.get("upFrontCost")) if cost else None,
            monthly=_amount(metadata.get("monthlyFee")),
            quarterly=_amount(metadata.get("quarterlyFee")),
            annual=_amount(metadata.get("annualFee")),
        ),
        min_sub_usecases=_int(metadata.get("minSubUsecases")),
        max_sub_usecases=_int(metadata.get("maxSubUsecases")),
    )


def carrier_statuses(
    operations: dict[str, Any], metadata: dict[str, Any]
) -> tuple[CarrierStatus, ...]:
    """``operationStatus`` (network id → TCR status) with the limits of ``mnoMetadata``."""
    limits = dict(_mno_items(metadata))
    found = []
    for network, raw in operations.items():
        item = limits.get(network, {})
        word = str(raw)
        found.append(
            CarrierStatus(
                carrier=_carrier(network, item),
                status=CARRIER_STATUS.get(word.upper(), "PENDING"),
                provider_status=word,
                tpm=_int(item.get("tpm")),
                daily_cap=_int(item.get("brandDailyCap")),
                tier=_text(item.get("brandTier")) or _text(item.get("msgClass")),
            )
        )
    return tuple(found)


def moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _mno_items(value: object) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        return []
    return [(str(k), v) for k, v in value.items() if isinstance(v, dict)]


def _carrier(network: str, item: dict[str, Any]) -> str:
    return _text(item.get("mno")) or NETWORKS.get(network) or f"network {network}"


def _reasons(value: object) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v)
    return ()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
