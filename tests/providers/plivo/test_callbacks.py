"""Plivo's brand and campaign status callbacks as numlink's registration events: a notice of
the step and its outcome that leaves the status unsaid, so the gateway reads the object again
(Plivo's callbacks carry no event time or id to order them by)."""

import pytest

from providers.events import BrandEvent, CampaignEvent, RegistrationStep, StepOutcome
from providers.plivo import parse_plivo_event

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("created", None),
        ("registered", StepOutcome.ACCEPTED),
        ("rejected", StepOutcome.REJECTED),
    ],
)
def test_brand_callbacks(status: str, outcome: StepOutcome | None) -> None:
    body = f"endpoint=brand&brand_id=B43KNAS&status={status}".encode()
    assert parse_plivo_event(body, FORM) == [
        BrandEvent(
            provider_brand_id="B43KNAS",
            identity_status=None,
            status=None,
            step=RegistrationStep.REGISTRATION,
            outcome=outcome,
            description=f"plivo: {status}",
        )
    ]


def test_campaign_callbacks_keep_plivos_words() -> None:
    body = b'{"endpoint": "campaign", "campaign_id": "CAOHTU5", "status": "rejected",'
    body += b' "message": "sample messages do not match the usecase"}'
    [event] = parse_plivo_event(body, JSON)
    assert event == CampaignEvent(
        provider_campaign_id="CAOHTU5",
        status=None,
        provider_status=None,
        step=RegistrationStep.REGISTRATION,
        outcome=StepOutcome.REJECTED,
        description="plivo: rejected: sample messages do not match the usecase",
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"endpoint": "brand", "status": "registered"}',
        b'{"endpoint": "brand", "brand_id": "B1"}',
        b'{"endpoint": "campaign", "campaign_id": "", "status": "registered"}',
        b'{"endpoint": "campaign", "campaign_id": 7, "status": "registered"}',
    ],
)
def test_malformed_registration_callbacks_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_plivo_event(body, JSON)
