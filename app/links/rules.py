"""The attach and detach rules of the API contract, written once.

The rules are SQL fragments, so the verdict, the row lock and the write are one statement for
a single attach and for a bulk request of 100,000 numbers alike. Each fragment yields a
verdict code; ``VERDICTS`` says what a code means: the error a single request answers with,
and the ``error`` text a bulk item shows (bulk items carry the code as ``error_code``).

Order (DESIGN.md): 1 body (``campaign_id`` valid; checked before SQL), 2 campaign exists,
3 campaign ACTIVE, 4 brand VERIFIED or VETTED_VERIFIED (skipped for a shared campaign: the
CSP that shared it vouches for its brand), 5 number exists in the org and mode,
6 number assigned, 7 same provider, 8 US 10-digit long code. Rules 2-4 fail a bulk request as
a whole; rules 5-8 fail single items.
"""

from dataclasses import dataclass

from app.kit.errors import (
    BrandNotVerified,
    CampaignNotActive,
    NotFound,
    NumberNotAssigned,
    NumberNotEligible,
    NumlinkError,
    ProviderMismatch,
    ProviderNotConfigured,
)
from app.kit.phone import LONG_CODE_TYPES

ACTIVE_IDENTITIES = ("VERIFIED", "VETTED_VERIFIED")
CHANGED, UNCHANGED = "CHANGED", "UNCHANGED"  # the request passes; whether the row changes


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def campaign_rules(c: str) -> str:
    """Rules 2-4 on ``c``, a campaign row (or NULLs) with ``shared`` and its brand's
    ``identity_status`` (NULL for a shared campaign): the first failing rule's code, NULL when
    all pass."""
    return f"""CASE WHEN {c}.id IS NULL THEN 'CAMPAIGN_NOT_FOUND'
         WHEN {c}.status <> 'ACTIVE' THEN 'CAMPAIGN_NOT_ACTIVE'
         WHEN NOT {c}.shared
              AND {c}.identity_status NOT IN {_sql_list(ACTIVE_IDENTITIES)}
             THEN 'BRAND_NOT_VERIFIED' END"""


def attach_number_rules(n: str, campaign_id: str, campaign_provider: str) -> str:
    """Rules 5-8 on ``n``, a number row (or NULLs), then whether the attach changes anything:
    ``WHEN`` branches of a ``CASE`` that the caller ends with ``ELSE 'CHANGED'``. Re-attaching
    the number's campaign is a no-op while it is pending or propagated; a failed one retries."""
    return f"""WHEN {n}.id IS NULL THEN 'NOT_FOUND'
         WHEN NOT {n}.assigned THEN 'NUMBER_NOT_ASSIGNED'
         WHEN {n}.provider <> {campaign_provider} THEN 'PROVIDER_MISMATCH'
         WHEN NOT (coalesce({n}.region_code, '') = 'US'
                   AND {n}.number_type IN {_sql_list(LONG_CODE_TYPES)})
             THEN 'NUMBER_NOT_ELIGIBLE'
         WHEN {n}.campaign_id IS NOT DISTINCT FROM {campaign_id}
              AND coalesce({n}.carrier_line_option_status, '') IN ('pending', 'propagated')
             THEN '{UNCHANGED}'"""


def detach_number_rules(n: str) -> str:
    """A detach is idempotent: a number without a campaign (and not failed) is unchanged."""
    return f"""WHEN {n}.id IS NULL THEN 'NOT_FOUND'
         WHEN {n}.campaign_id IS NULL
              AND coalesce({n}.carrier_line_option_status, '') <> 'failed' THEN '{UNCHANGED}'"""


def detach_from_campaign_rules(n: str, campaign_id: str) -> str:
    """Bulk detach names the campaign: a number not on it is refused rather than detached."""
    return f"""WHEN {n}.id IS NULL THEN 'NOT_FOUND'
         WHEN {n}.campaign_id IS DISTINCT FROM {campaign_id} THEN 'NOT_ON_CAMPAIGN'"""


@dataclass(frozen=True, slots=True)
class Verdict:
    error: type[NumlinkError]
    message: str


# What each rule's code means: for a single request the error, for a bulk item its text.
VERDICTS: dict[str, Verdict] = {
    "CAMPAIGN_NOT_FOUND": Verdict(NotFound, "campaign not found"),
    "CAMPAIGN_NOT_ACTIVE": Verdict(CampaignNotActive, CampaignNotActive.default_message),
    "BRAND_NOT_VERIFIED": Verdict(BrandNotVerified, BrandNotVerified.default_message),
    "NOT_FOUND": Verdict(NotFound, "phone number not found"),
    "NUMBER_NOT_ASSIGNED": Verdict(NumberNotAssigned, NumberNotAssigned.default_message),
    "PROVIDER_MISMATCH": Verdict(ProviderMismatch, ProviderMismatch.default_message),
    "NUMBER_NOT_ELIGIBLE": Verdict(NumberNotEligible, NumberNotEligible.default_message),
}

# Codes only bulk items carry: found before the database, or read later from the number.
ITEM_ONLY: dict[str, str] = {
    "VALIDATION_FAILED": "not a string, holds a control character, or (numbers) not exact"
    " E.164 in ASCII digits (e.g. +14155552671)",
    "DUPLICATE_IN_REQUEST": "appears earlier in this request; processed once",
    "NOT_ON_CAMPAIGN": "the number is not linked to this campaign",
    "SUPERSEDED": "a later change to this number replaced this request's change",
    "PROVIDER_REJECTED": "the provider rejected the change",
    # batch registration
    "CONFLICT": "number is already registered",
    "NOT_AT_PROVIDER": "the provider account does not hold this number",
    "PROVIDER_ERROR": "the provider could not be read about this number; register it again",
}


def raise_for(code: str) -> None:
    """Raise the error of a failing verdict; return for CHANGED and UNCHANGED."""
    if code in (CHANGED, UNCHANGED):
        return
    verdict = VERDICTS[code]
    raise verdict.error(verdict.message)


def item_message(code: str) -> str:
    verdict = VERDICTS.get(code)
    return verdict.message if verdict is not None else ITEM_ONLY[code]


# For the API docs: what an attach can answer with (live mode adds the account check).
ATTACH_ERRORS: tuple[type[NumlinkError], ...] = tuple(
    dict.fromkeys((ProviderNotConfigured, *(v.error for v in VERDICTS.values())))
)
CAMPAIGN_ERRORS: tuple[type[NumlinkError], ...] = (
    NotFound,
    ProviderNotConfigured,
    CampaignNotActive,
    BrandNotVerified,
)
