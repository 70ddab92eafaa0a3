"""numlink's registration fields ↔ Plivo's: business profile, brand and campaign request bodies,
and Plivo's answers and refusals back in numlink's terms.

Plivo registers a brand in two steps: a business profile (``POST /Profile/``: the company, its
address and contact) and then the brand (``POST /10dlc/Brand/``: a name, STARTER or STANDARD,
and the profile's uuid). numlink's ``display_name`` is the brand's ``brand_alias``; the
registration's client reference is the profile's ``profile_alias`` (and, for campaigns, the
``campaign_alias``), which is how a registration is found again after a crash.
"""

from typing import Any

from providers.base import BrandInfo, CampaignInfo, ProviderTemporaryError
from providers.plivo.mapping import BRAND_STATUS, CAMPAIGN_STATUS, brand_identity
from providers.registration import (
    BrandFields,
    CampaignFields,
    CarrierStatus,
    UsecaseQualification,
)

# numlink entity type → Plivo profile ``entity_type``
ENTITY_TYPES = {
    "PRIVATE_PROFIT": "PRIVATE",
    "PUBLIC_PROFIT": "PUBLIC",
    "NON_PROFIT": "NON_PROFIT",
    "GOVERNMENT": "GOVERNMENT",
    "SOLE_PROPRIETOR": "INDIVIDUAL",
}
# Plivo calls the sole proprietor's brand type and campaign usecase STARTER.
STARTER = "STARTER"
SOLE_PROPRIETOR = "SOLE_PROPRIETOR"
MAX_SAMPLES = 5

# What a brand PATCH may change at Plivo: the profile's updatable parts (``POST
# /Profile/{uuid}/``). The brand's name and type are fixed once the brand exists.
UPDATABLE_BRAND_FIELDS = frozenset(
    {
        "company_name",
        "vertical",
        "website",
        "email",
        "street",
        "city",
        "state",
        "postal_code",
        "country",
        "first_name",
        "last_name",
        "phone",
    }
)
# What a campaign PATCH may change (``POST /10dlc/Campaign/{id}/``).
UPDATABLE_CAMPAIGN_FIELDS = frozenset(
    {
        "description",
        "message_flow",
        "sample_messages",
        "help_message",
        "help_keywords",
        "optin_message",
        "optin_keywords",
        "optout_message",
        "optout_keywords",
        "privacy_policy_link",
        "terms_and_conditions_link",
    }
)

_ADDRESS = ("street", "city", "state", "postal_code", "country")
_CONTACT = ("first_name", "last_name", "phone", "email")
_CAMPAIGN_TEXTS = (
    "description",
    "message_flow",
    "help_message",
    "optin_message",
    "optout_message",
    "privacy_policy_link",
    "terms_and_conditions_link",
)
_KEYWORDS = ("help_keywords", "optin_keywords", "optout_keywords")
_FLAGS = (
    "embedded_link",
    "embedded_phone",
    "age_gated",
    "direct_lending",
    "subscriber_optin",
    "subscriber_optout",
    "subscriber_help",
)

# Plivo's names in refusals (also ``address.city`` style) → numlink's
_FIELD_NAMES = {
    "brand_alias": "display_name",
    "doing_business_as": "display_name",
    "profile_alias": "display_name",
    "business_contact_email": "email",
    "customer_type": "is_reseller",
    "ein_issuing_country": "country",
    "sub_usecase": "sub_usecases",
    "brand_id": "brand_id",
    "campaign_id": "tcr_campaign_id",
    **{f"sample{i}": "sample_messages" for i in range(1, MAX_SAMPLES + 1)},
}
_NUMLINK_NAMES = BrandFields.names() | CampaignFields.names()


def plivo_number(number: str) -> str:
    return number.strip().removeprefix("+")


def profile_body(fields: BrandFields, client_ref: str) -> dict[str, Any]:
    """``POST /Profile/``: the business behind the brand, its alias numlink's reference."""
    given = fields.given()
    sole = fields.entity_type == SOLE_PROPRIETOR
    person = " ".join(p for p in (fields.first_name, fields.last_name) if p)
    body: dict[str, Any] = {
        "profile_alias": client_ref,
        "customer_type": "RESELLER" if fields.is_reseller else "DIRECT",
        "entity_type": ENTITY_TYPES.get(fields.entity_type or "", fields.entity_type),
        # Plivo wants a company name even for a person: the person's name
        "company_name": fields.company_name or person or fields.display_name,
        "vertical": fields.vertical,
        **_profile_details(given),
    }
    if not sole and fields.display_name:
        body["doing_business_as"] = fields.display_name
    if fields.ein:
        body["ein"] = fields.ein
        body["ein_issuing_country"] = fields.country or "US"
    for name in ("stock_symbol", "stock_exchange"):
        if given.get(name):
            body[name] = given[name]
    return {k: v for k, v in body.items() if v is not None}


def profile_update_body(fields: BrandFields, changed: frozenset[str]) -> dict[str, Any]:
    """``POST /Profile/{uuid}/``: the changed parts, each whole (address, contact)."""
    given = fields.given()
    details = _profile_details(given)
    body: dict[str, Any] = {}
    if changed & set(_ADDRESS):
        body["address"] = details.get("address", {})
    if changed & {"first_name", "last_name", "phone"}:
        body["authorized_contact"] = details.get("authorized_contact", {})
    if "email" in changed:
        body["business_contact_email"] = fields.email
        body["authorized_contact"] = details.get("authorized_contact", {})
    for name in ("company_name", "vertical", "website"):
        if name in changed:
            body[name] = given.get(name, "")
    return body


def _profile_details(given: dict[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    address = {k: given[k] for k in _ADDRESS if given.get(k)}
    if address:
        details["address"] = address
    contact = {k: given[k] for k in _CONTACT if given.get(k)}
    if "phone" in contact:
        contact["phone"] = plivo_number(contact["phone"])
    if contact:
        details["authorized_contact"] = contact
    if given.get("email"):
        details["business_contact_email"] = given["email"]
    if given.get("website"):
        details["website"] = given["website"]
    return details


def brand_body(fields: BrandFields, profile_uuid: str, callback: dict[str, str]) -> dict[str, Any]:
    """``POST /10dlc/Brand/``; ``callback`` is ``{url, method}``: numlink's webhook URL."""
    sole = fields.entity_type == SOLE_PROPRIETOR
    return {
        "brand_alias": fields.display_name,
        "brand_type": STARTER if sole else "STANDARD",
        "profile_uuid": profile_uuid,
        "secondary_vetting": False,
        **callback,
    }


def plivo_usecase(usecase: str | None) -> str | None:
    return STARTER if usecase == SOLE_PROPRIETOR else usecase


def numlink_usecase(usecase: object) -> str | None:
    if not isinstance(usecase, str) or not usecase:
        return None
    return SOLE_PROPRIETOR if usecase.upper() == STARTER else usecase


def campaign_body(
    brand_id: str,
    vertical: str | None,
    fields: CampaignFields,
    client_ref: str,
    callback: dict[str, str],
) -> dict[str, Any]:
    """``POST /10dlc/Campaign/``; the alias is numlink's reference."""
    body: dict[str, Any] = {
        "brand_id": brand_id,
        "campaign_alias": client_ref,
        "vertical": vertical,
        "usecase": plivo_usecase(fields.usecase),
        "sub_usecases": list(fields.sub_usecases or ()),
        **campaign_texts(fields, frozenset(CampaignFields.names())),
        "affiliate_marketing": False,
        **callback,
    }
    for flag in _FLAGS:
        body[flag] = bool(getattr(fields, flag))
    return {k: v for k, v in body.items() if v is not None}


def campaign_texts(fields: CampaignFields, changed: frozenset[str]) -> dict[str, Any]:
    """The campaign's texts Plivo takes at creation and in an update, the changed ones."""
    body: dict[str, Any] = {}
    for name in _CAMPAIGN_TEXTS:
        if name in changed and getattr(fields, name) is not None:
            body[name] = getattr(fields, name)
    for name in _KEYWORDS:
        words = getattr(fields, name)
        if name in changed and words is not None:
            body[name] = ",".join(words)
    if "sample_messages" in changed and fields.sample_messages is not None:
        for i, sample in enumerate(fields.sample_messages[:MAX_SAMPLES], start=1):
            body[f"sample{i}"] = sample
    return body


def brand_info(brand: dict[str, Any], brand_id: str) -> BrandInfo:
    """A brand record of ``GET /10dlc/Brand/…``."""
    registration = brand.get("registration_status")
    if not isinstance(registration, str):
        raise ProviderTemporaryError(
            "plivo: unexpected response: brand without registration_status"
        )
    vetting = brand.get("vetting_status")
    name = brand.get("brand_alias") or brand.get("company_name")
    status = BRAND_STATUS.get(registration.upper(), "PENDING")
    return BrandInfo(
        provider_brand_id=brand_id,
        display_name=name if isinstance(name, str) else None,
        identity_status=brand_identity(registration, vetting if isinstance(vetting, str) else None),
        status=status,
        # Plivo's brand ids are the registry's
        tcr_brand_id=brand_id,
        failure_reasons=_reasons(brand) if status == "FAILED" else (),
    )


def campaign_info(campaign: dict[str, Any], campaign_id: str) -> CampaignInfo:
    """A campaign record of ``GET /10dlc/Campaign/…``."""
    provider_status = campaign.get("registration_status")
    if not isinstance(provider_status, str):
        raise ProviderTemporaryError(
            "plivo: unexpected response: campaign without registration_status"
        )
    brand_id = campaign.get("brand_id")
    status = CAMPAIGN_STATUS.get(provider_status.upper(), "PENDING")
    tcr = campaign.get("campaign_id")
    return CampaignInfo(
        provider_campaign_id=campaign_id,
        provider_brand_id=brand_id if isinstance(brand_id, str) and brand_id else None,
        # Plivo's campaign ids are the TCR ids (shared campaigns keep theirs)
        tcr_campaign_id=tcr if isinstance(tcr, str) and tcr else campaign_id,
        usecase=numlink_usecase(campaign.get("usecase")),
        status=status,
        provider_status=provider_status,
        failure_reasons=_reasons(campaign) if status == "REJECTED" else (),
    )


def _reasons(record: dict[str, Any]) -> tuple[str, ...]:
    for key in ("failure_reason", "reason", "rejection_reason"):
        text = record.get(key)
        if isinstance(text, str) and text.strip():
            return (f"plivo: {text.strip()}",)
    return ()


# the campaign's status at every carrier: Plivo reports limits per carrier, not a status
_CARRIER_STATUS = {
    "PENDING": "PENDING",
    "ACTIVE": "APPROVED",
    "REJECTED": "REJECTED",
    "SUSPENDED": "SUSPENDED",
    "EXPIRED": "DEACTIVATED",
    "DEACTIVATED": "DEACTIVATED",
}


def carrier_statuses(info: CampaignInfo, mno_metadata: object) -> tuple[CarrierStatus, ...]:
    """``mno_metadata`` (``{carrier: {tpm | brand_tier}}``) as per-carrier statuses."""
    if not isinstance(mno_metadata, dict):
        return ()
    statuses = []
    for carrier, meta in sorted(mno_metadata.items()):
        meta = meta if isinstance(meta, dict) else {}
        tpm, tier = meta.get("tpm"), meta.get("brand_tier")
        statuses.append(
            CarrierStatus(
                carrier=str(carrier),
                status=_CARRIER_STATUS.get(info.status, "PENDING"),
                provider_status=info.provider_status,
                tpm=tpm if isinstance(tpm, int) and not isinstance(tpm, bool) else None,
                tier=tier if isinstance(tier, str) else None,
            )
        )
    return tuple(statuses)


def qualification(usecase: str, body: dict[str, Any]) -> UsecaseQualification:
    """``GET /10dlc/Brand/{id}/usecases/`` lists the usecases the brand may register."""
    listed = body.get("use_cases")
    codes = {str(u.get("code", "")).upper() for u in listed or () if isinstance(u, dict)}
    return UsecaseQualification(usecase=usecase, qualifies=plivo_usecase(usecase) in codes)


def rejected_fields(errors: dict[str, str], fallback: str) -> dict[str, str]:
    """A refusal's fields in numlink's names (``body`` for what has no numlink name)."""
    fields: dict[str, str] = {}
    for plivo_name, text in errors.items():
        leaf = plivo_name.rsplit(".", 1)[-1]
        name = _FIELD_NAMES.get(leaf, leaf)
        if name not in _NUMLINK_NAMES and name not in ("brand_id", "tcr_campaign_id", "pin"):
            name, text = "body", f"{plivo_name}: {text}"
        text = f"plivo: {text}"
        fields[name] = f"{fields[name]}; {text}" if name in fields else text
    return fields or {"body": fallback}
