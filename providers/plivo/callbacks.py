"""Plivo's brand and campaign status callbacks (``endpoint`` brand or campaign) as numlink's
registration events.

Plivo calls the ``url`` given at creation with the object's id and ``status``: ``created``
(submitted to the registry), ``registered`` or ``rejected``. Its callbacks carry neither an
event time nor an event id, so one delivered late (Plivo retries after 1, 2 and 4 minutes)
cannot be told from a new one. Each callback is therefore a notice, not a state: the event
says which step it reports and how it went, leaves the status unsaid, and the gateway reads
the object from Plivo at once. A duplicate or a callback older than the state already read
reads the same truth again and changes nothing.
"""

from typing import Any

from providers.events import (
    BrandEvent,
    CampaignEvent,
    ProviderEvent,
    RegistrationStep,
    StepOutcome,
)

REGISTRATION_ENDPOINTS = frozenset({"brand", "campaign"})
_OUTCOMES = {
    "registered": StepOutcome.ACCEPTED,
    "completed": StepOutcome.ACCEPTED,
    "active": StepOutcome.ACCEPTED,
    "rejected": StepOutcome.REJECTED,
    "failed": StepOutcome.REJECTED,
}


def registration_events(endpoint: str, payload: dict[str, Any]) -> list[ProviderEvent]:
    """The event of a brand or campaign callback; ``ValueError`` for a malformed one."""
    status = payload.get("status")
    if not isinstance(status, str) or not status.strip():
        raise ValueError(f"plivo {endpoint} callback without status")
    word = status.strip().lower()
    # the status stays unsaid (None): the gateway reads the object again
    step = RegistrationStep.REGISTRATION
    outcome, description = _OUTCOMES.get(word), _description(payload, word)
    if endpoint == "brand":
        ref = _ref(payload, "brand_id")
        return [BrandEvent(ref, None, None, step=step, outcome=outcome, description=description)]
    ref = _ref(payload, "campaign_id")
    return [CampaignEvent(ref, None, None, step=step, outcome=outcome, description=description)]


def _ref(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"plivo callback without {key}")
    return value.strip()


def _description(payload: dict[str, Any], word: str) -> str:
    detail = payload.get("message") or payload.get("reason") or payload.get("failure_reason")
    text = f"plivo: {word}"
    return f"{text}: {detail.strip()}" if isinstance(detail, str) and detail.strip() else text
