"""Registration bodies, the registration jobs run in-process, and response shapes (to compare
test mode with live mode)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs.base import QueueJob
from app.jobs.context import JobContext
from app.jobs.registration_recovery import RegistrationRecoveryJob
from app.jobs.registration_sync import BrandSyncJob, CampaignSyncJob
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import Api
from tests.support.app import test_catalog

COMPANY = {
    "entity_type": "PRIVATE_PROFIT",
    "display_name": "Acme Plumbing",
    "company_name": "Acme Plumbing LLC",
    "ein": "123456789",
    "email": "ops@acme.example",
    "phone": "+14155550100",
    "street": "1 Main St",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94105",
    "country": "US",
    "website": "https://acme.example",
    "vertical": "TECHNOLOGY",
}
SOLE_PROPRIETOR = {
    "entity_type": "SOLE_PROPRIETOR",
    "display_name": "Jo's Tutoring",
    "first_name": "Jo",
    "last_name": "Doe",
    "email": "jo@example.com",
    "phone": "+14155550101",
    "street": "2 Side St",
    "city": "Oakland",
    "state": "CA",
    "postal_code": "94607",
    "country": "US",
    "vertical": "EDUCATION",
}
CAMPAIGN = {
    "usecase": "MIXED",
    "sub_usecases": ["CUSTOMER_CARE", "ACCOUNT_NOTIFICATION"],
    "description": "Appointment reminders and support replies for Acme Plumbing customers.",
    "message_flow": "Customers opt in on the booking form at https://acme.example/book.",
    "sample_messages": ["Acme: your plumber arrives at 10am. Reply STOP to opt out."],
    "help_message": "Acme Plumbing: call +14155550100 for help.",
    "help_keywords": ["HELP", "INFO"],
    "optout_message": "You are unsubscribed from Acme Plumbing messages.",
    "optout_keywords": ["STOP", "END"],
    "subscriber_optin": True,
    "subscriber_optout": True,
    "subscriber_help": True,
}


def brand_body(
    provider: str = "sandbox", base: dict[str, Any] = COMPANY, **changes: Any
) -> dict[str, Any]:
    return {"provider": provider, **base, **changes}


def campaign_body(brand_id: str, **changes: Any) -> dict[str, Any]:
    return {"brand_id": brand_id, **CAMPAIGN, **changes}


DELAY_S = 0.3  # the sandbox's review time in tests that watch objects settle


def delayed_catalog() -> ProviderCatalog:
    return test_catalog(sandbox={"delay_s": DELAY_S})


async def after_review(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, catalog: ProviderCatalog
) -> int:
    """Wait out the sandbox's review, then run the registration jobs."""
    await asyncio.sleep(DELAY_S + 0.05)
    return await run_registration_jobs(sessions, settings, catalog)


async def run_registration_jobs(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, catalog: ProviderCatalog
) -> int:
    """Work every brand, campaign and registration in flight that is due now, one at a time
    (tests share one connection); returns how many."""
    done = 0
    async with JobContext.open(sessions, settings, catalog) as context:
        jobs: list[QueueJob[Any]] = [
            BrandSyncJob(context),
            CampaignSyncJob(context),
            RegistrationRecoveryJob(context),
        ]
        for job in jobs:
            for item in await job.claim(100):
                await job.process(item)
                done += 1
    return done


def shape(value: Any) -> Any:
    """A response's shape: its keys, nesting and JSON types, not its values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None if value is None else type(value).__name__


def same_shape(a: Any, b: Any) -> bool:
    """Whether two shapes agree: the same keys everywhere, the same types where both have a
    value (null goes with anything, as does an empty list)."""
    if a is None or b is None or a == [] or b == []:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return same_shape(a[0], b[0])
    return bool(a == b)


Step = tuple[str, int, Any]  # what was asked, the HTTP status, the response's shape
# what ``lifecycle`` asks and the status each answer has
LIFECYCLE = [
    ("register brand", 201),
    ("get brand", 200),
    ("qualify", 200),
    ("register campaign", 201),
    ("get campaign", 200),
    ("carriers", 200),
]


async def lifecycle(
    api: Api, key: str, provider: str, settle: Callable[[], Awaitable[None]]
) -> tuple[list[Step], dict[str, Any]]:
    """Brand → VERIFIED → qualify → campaign → ACTIVE → carriers, as a user would, for any
    provider and mode; ``settle`` waits for the provider's reviews (a test-mode run waits the
    sandbox delay and runs the jobs; a live run lets the fake decide). Returns every step and
    the campaign, to attach numbers to and to compare modes with ``same_shape``."""
    steps: list[Step] = []

    async def step(name: str, response: httpx.Response) -> Any:
        steps.append((name, response.status_code, shape(response.json())))
        assert response.status_code < 300, (name, response.text)
        return response.json()["data"]

    brand = await step("register brand", await api.post("/v1/brands", key, brand_body(provider)))
    await settle()
    brand = await step("get brand", await api.get(f"/v1/brands/{brand['id']}", key))
    assert (brand["status"], brand["identity_status"]) == ("ACTIVE", "VERIFIED"), brand
    await step("qualify", await api.get(f"/v1/brands/{brand['id']}/usecases/MIXED", key))
    body = campaign_body(brand["id"])
    campaign = await step("register campaign", await api.post("/v1/campaigns", key, body))
    await settle()
    campaign = await step("get campaign", await api.get(f"/v1/campaigns/{campaign['id']}", key))
    assert campaign["status"] == "ACTIVE", campaign
    await step("carriers", await api.get(f"/v1/campaigns/{campaign['id']}/carriers", key))
    return steps, dict(campaign)
