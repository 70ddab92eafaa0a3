"""numlink's registration field names ↔ Telnyx's (``CreateBrand``/``UpdateBrand``,
``CampaignRequest``/``UpdateCampaignRequest``), and the request bodies built from them."""

from typing import Any
from urllib.parse import urlencode

from providers.registration import BrandFields, CampaignFields

BRAND_NAMES: dict[str, str] = {
    "entity_type": "entityType",
    "display_name": "displayName",
    "company_name": "companyName",
    "ein": "ein",
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone": "phone",
    "street": "street",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
    "website": "website",
    "vertical": "vertical",
    "stock_symbol": "stockSymbol",
    "stock_exchange": "stockExchange",
    "is_reseller": "isReseller",
}

CAMPAIGN_NAMES: dict[str, str] = {
    "usecase": "usecase",
    "sub_usecases": "subUsecases",
    "description": "description",
    "message_flow": "messageFlow",
    "help_message": "helpMessage",
    "help_keywords": "helpKeywords",
    "optin_message": "optinMessage",
    "optin_keywords": "optinKeywords",
    "optout_message": "optoutMessage",
    "optout_keywords": "optoutKeywords",
    "embedded_link": "embeddedLink",
    "embedded_phone": "embeddedPhone",
    "number_pool": "numberPool",
    "age_gated": "ageGated",
    "direct_lending": "directLending",
    "subscriber_optin": "subscriberOptin",
    "subscriber_optout": "subscriberOptout",
    "subscriber_help": "subscriberHelp",
    "auto_renewal": "autoRenewal",
    "privacy_policy_link": "privacyPolicyLink",
    "terms_and_conditions_link": "termsAndConditionsLink",
}
KEYWORD_FIELDS = frozenset({"help_keywords", "optin_keywords", "optout_keywords"})
MAX_SAMPLES = 5
SAMPLES = tuple(f"sample{i}" for i in range(1, MAX_SAMPLES + 1))

# What ``PUT /10dlc/campaign/{id}`` takes (numlink names); the rest is fixed at creation.
UPDATABLE_CAMPAIGN_FIELDS = frozenset(
    {"sample_messages", "help_message", "message_flow", "auto_renewal"}
)
# ``PUT /10dlc/brand/{id}`` takes the whole brand again.
UPDATABLE_BRAND_FIELDS = frozenset(BRAND_NAMES)

# Telnyx names in error answers → numlink's (besides the inverses of the maps above)
_OTHER_NAMES: dict[str, str] = {
    "mobilePhone": "phone",
    "businessContactEmail": "email",
    "brandId": "brand_id",
    "otpPin": "pin",
    "evpId": "evp_id",
    "vettingClass": "vetting_class",
    "vettingId": "vetting_id",
    "vettingToken": "vetting_token",
    "appeal_reason": "reason",
    "campaignId": "tcr_campaign_id",  # the path of acceptSharing: the TCR id numlink was given
    **{sample: "sample_messages" for sample in SAMPLES},
}
_TO_NUMLINK: dict[str, str] = {
    **{t: n for n, t in BRAND_NAMES.items()},
    **{t: n for n, t in CAMPAIGN_NAMES.items()},
    **_OTHER_NAMES,
}

REFERENCE_PARAM = "ref"  # the query parameter of the webhook URL that carries numlink's reference


def numlink_field(telnyx_name: str) -> str:
    """The numlink field a Telnyx field name stands for; ``body`` for one numlink has not."""
    return _TO_NUMLINK.get(telnyx_name, "body")


def webhook_with_reference(webhook_url: str, client_ref: str) -> str:
    """The account's webhook URL carrying numlink's reference for one registration: Telnyx
    keeps no caller reference on a brand, but keeps its ``webhookURL``, so the brand can be
    recognised after a crash (``find_brand``). Without a webhook URL there is none."""
    if not webhook_url:
        return ""
    separator = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{separator}{urlencode({REFERENCE_PARAM: client_ref})}"


def brand_body(fields: BrandFields, webhook_url: str) -> dict[str, Any]:
    """``CreateBrand`` / ``UpdateBrand`` from the whole brand."""
    given = fields.given()
    body: dict[str, Any] = {BRAND_NAMES[name]: value for name, value in given.items()}
    if fields.entity_type == "SOLE_PROPRIETOR" and fields.phone:
        body["mobilePhone"] = fields.phone  # where Telnyx sends the SMS PIN
    if fields.entity_type == "PUBLIC_PROFIT" and fields.email:
        body["businessContactEmail"] = fields.email  # required for public companies (2FA)
    if webhook_url:
        body["webhookURL"] = body["webhookFailoverURL"] = webhook_url
    return body


def campaign_body(
    provider_brand_id: str, fields: CampaignFields, client_ref: str, webhook_url: str
) -> dict[str, Any]:
    """``CampaignRequest`` for ``POST /10dlc/campaignBuilder``. ``referenceId`` is Telnyx's
    caller reference (unique across the account's campaigns): numlink's reference."""
    body: dict[str, Any] = {"brandId": provider_brand_id, "referenceId": client_ref}
    for name, value in fields.given().items():
        if name == "sample_messages":
            body.update(samples(value))
        elif name in KEYWORD_FIELDS:
            body[CAMPAIGN_NAMES[name]] = ",".join(value)  # comma-separated, no spaces
        elif name == "sub_usecases":
            body["subUsecases"] = list(value)
        else:
            body[CAMPAIGN_NAMES[name]] = value
    # TCR requires the CSP to accept the registry's terms with every campaign; registering
    # through numlink is that acceptance (docs/registration.md, "Telnyx").
    body["termsAndConditions"] = True
    if webhook_url:
        body["webhookURL"] = body["webhookFailoverURL"] = webhook_url
    return body


def campaign_update_body(
    fields: CampaignFields, changed: frozenset[str], webhook_url: str
) -> dict[str, Any]:
    """``UpdateCampaignRequest``: the changed fields among those Telnyx lets change."""
    body: dict[str, Any] = {}
    for name in sorted(changed & UPDATABLE_CAMPAIGN_FIELDS):
        value = getattr(fields, name)
        if name == "sample_messages":
            body.update(samples(value or ()))
        elif value is not None:
            body[CAMPAIGN_NAMES[name]] = value
    if webhook_url:
        body["webhookURL"] = body["webhookFailoverURL"] = webhook_url
    return body


def samples(messages: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {SAMPLES[i]: text for i, text in enumerate(list(messages)[:MAX_SAMPLES])}
