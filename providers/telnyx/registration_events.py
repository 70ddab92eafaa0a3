"""Telnyx's ``10dlc.campaign.update`` and ``10dlc.brand.update`` payloads as numlink's neutral
registration events (``providers.events``).

A payload reports a step (``type``) and its outcome (``status``), sometimes the resulting
``campaignStatus`` / ``identityStatus``. The status an event implies is given only where it is
unambiguous; otherwise it is None and the gateway reads the object again, so an informational
event (a notice, a number pool change, dormancy) is never lost nor misread.
"""

from datetime import datetime
from typing import Any

from providers.events import BrandEvent, CampaignEvent, RegistrationStep, StepOutcome
from providers.registration import CarrierStatus
from providers.telnyx.mapping import (
    BRAND_EVENT_STATUS,
    BRAND_STATUS,
    CAMPAIGN_EVENT_STATUS,
    CAMPAIGN_STATUS,
    IDENTITY_STATUSES,
)
from providers.telnyx.registration_records import NETWORKS

# Telnyx ``type`` → the step (events.RegistrationStep documents the pairs)
STEPS: dict[str, RegistrationStep] = {
    "REGISTRATION": RegistrationStep.REGISTRATION,
    "TELNYX_REVIEW": RegistrationStep.PROVIDER_REVIEW,
    "MNO_REVIEW": RegistrationStep.CARRIER_REVIEW,
    "TCR_EVENT": RegistrationStep.REGISTRY_NOTICE,
    "TCR_BRAND_UPDATE": RegistrationStep.REGISTRY_NOTICE,
    "TELNYX_EVENT": RegistrationStep.PROVIDER_NOTICE,
    "NUMBER_POOL_PROVISIONED": RegistrationStep.NUMBER_POOL,
    "NUMBER_POOL_DEPROVISIONED": RegistrationStep.NUMBER_POOL,
    "VERIFIED": RegistrationStep.VERIFICATION,
    "BRAND_OTP_VERIFIED": RegistrationStep.VERIFICATION,
    "VETTING": RegistrationStep.VETTING,
    "EXTERNAL_VETTING": RegistrationStep.VETTING,
    "REVET": RegistrationStep.REVET,
    "APPEAL": RegistrationStep.APPEAL,
}
OUTCOMES: dict[str, StepOutcome] = {
    "ACCEPTED": StepOutcome.ACCEPTED,
    "SUCCESS": StepOutcome.ACCEPTED,
    "APPROVED": StepOutcome.ACCEPTED,
    "REJECTED": StepOutcome.REJECTED,
    "FAILED": StepOutcome.REJECTED,
    "DORMANT": StepOutcome.DORMANT,
}


def campaign_event(
    payload: dict[str, Any], occurred_at: datetime | None, event_id: str | None
) -> list[CampaignEvent]:
    campaign_id = required(payload, "campaignId")
    kind, word = upper(payload, "type"), upper(payload, "status")
    provider_status = text(payload, "campaignStatus")
    if provider_status not in CAMPAIGN_STATUS:
        provider_status = CAMPAIGN_EVENT_STATUS.get((kind, word))
    status = CAMPAIGN_STATUS[provider_status] if provider_status is not None else None
    outcome = OUTCOMES.get(word)
    description = text(payload, "description")
    reasons = _reasons(payload, outcome, description)
    if reasons is None and status == "ACTIVE":
        reasons = ()  # accepted: earlier refusals no longer hold
    return [
        CampaignEvent(
            provider_campaign_id=campaign_id,
            status=status,
            provider_status=provider_status,
            occurred_at=occurred_at,
            event_id=event_id,
            step=STEPS.get(kind),
            outcome=outcome,
            description=description,
            failure_reasons=reasons,
            carriers=_carrier(payload, kind, word, outcome, description),
        )
    ]


def brand_event(
    payload: dict[str, Any], occurred_at: datetime | None, event_id: str | None
) -> list[BrandEvent]:
    kind, word = upper(payload, "type"), upper(payload, "status")
    outcome = OUTCOMES.get(word)
    step = STEPS.get(kind)
    identity = text(payload, "identityStatus")
    if identity not in IDENTITY_STATUSES:
        # a verified PIN (or identity) says what the identity now is
        verified = step is RegistrationStep.VERIFICATION and outcome is not StepOutcome.REJECTED
        identity = "VERIFIED" if verified else None
    raw_status = text(payload, "status")
    if raw_status not in BRAND_STATUS:
        raw_status = BRAND_EVENT_STATUS.get((kind, word))
    description = text(payload, "description")
    # Emitted even when nothing is known: the brand changed and is worth reading again.
    return [
        BrandEvent(
            provider_brand_id=required(payload, "brandId"),
            identity_status=identity,
            status=BRAND_STATUS[raw_status] if raw_status is not None else None,
            occurred_at=occurred_at,
            event_id=event_id,
            step=step,
            outcome=outcome,
            description=description,
            failure_reasons=_reasons(payload, outcome, description),
            tcr_brand_id=text(payload, "tcrBrandId"),
        )
    ]


def _reasons(
    payload: dict[str, Any], outcome: StepOutcome | None, description: str | None
) -> tuple[str, ...] | None:
    """Telnyx's failure reasons when the event gives them (or describes a refusal)."""
    given = payload.get("failureReasons", payload.get("reasons"))
    if isinstance(given, str) and given.strip():
        return (given.strip(),)
    if isinstance(given, list) and given:
        return tuple(str(reason) for reason in given if reason)
    if outcome is StepOutcome.REJECTED and description:
        return (description,)
    return None


def _carrier(
    payload: dict[str, Any],
    kind: str,
    word: str,
    outcome: StepOutcome | None,
    description: str | None,
) -> tuple[CarrierStatus, ...]:
    """One carrier's review, when the event names the carrier (``mno`` or its network id)."""
    if kind != "MNO_REVIEW" or outcome not in (StepOutcome.ACCEPTED, StepOutcome.REJECTED):
        return ()
    network = payload.get("networkId", payload.get("mnoId"))
    name = text(payload, "mno") or (NETWORKS.get(str(network)) if network is not None else None)
    if not name:
        return ()
    approved = outcome is StepOutcome.ACCEPTED
    return (
        CarrierStatus(
            carrier=name,
            status="APPROVED" if approved else "REJECTED",
            provider_status=word,
            reason=None if approved else description,
        ),
    )


def required(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"telnyx webhook: payload without {name}")
    return value


def text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) else None


def upper(payload: dict[str, Any], name: str) -> str:
    return (text(payload, name) or "").upper()
