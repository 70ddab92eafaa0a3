"""The crash test of ``test_registration_crash`` against Plivo's fake in live mode: a real API
process SIGKILLed between Plivo's answer and the commit; the retry (brand) and the
registration job (campaign) find what Plivo already holds by numlink's reference, and Plivo
holds exactly one profile, one brand and one campaign."""

import asyncio
from collections.abc import Callable

from tests.flows.test_registration_crash import LEASE_S, SETTINGS, crashing_api, post_until_killed
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import data
from tests.support.app import test_catalog
from tests.support.committed import CommittedWorld, committed_world
from tests.support.live import PLIVO_ACCOUNT, PLIVO_ID, PLIVO_TOKEN, put_account
from tests.support.plivo_registration import deliver_callbacks
from tests.support.registration import brand_body, campaign_body, run_registration_jobs


async def in_numlink(cw: CommittedWorld, kind: str) -> tuple[int, int]:
    """(numlink's rows, registrations in flight) of ``kind``."""
    return (
        int(await cw.scalar(f"SELECT count(*) FROM {kind}s")),
        int(await cw.scalar("SELECT count(*) FROM registration_intents WHERE kind = :k", k=kind)),
    )


async def test_a_crash_after_plivo_answered_loses_nothing_and_duplicates_nothing(
    fresh_db: Callable[[], str],
) -> None:
    with FakePlivo(PLIVO_ID, PLIVO_TOKEN) as fake:
        catalog = test_catalog(plivo={"base_url": fake.base_url})
        env = {"NUMLINK_PLIVO_BASE_URL": fake.base_url}
        async with committed_world(fresh_db, SETTINGS, catalog=catalog) as cw:
            key, api = cw.world.live_key, cw.api
            await put_account(api, key, "plivo", PLIVO_ACCOUNT)
            with crashing_api(cw.url, env) as (process, base):
                await post_until_killed(process, base, "/v1/brands", key, brand_body("plivo"))
            assert (len(fake.registration.profiles), len(fake.brands)) == (1, 1)
            assert await in_numlink(cw, "brand") == (0, 1)

            # the retry, same Idempotency-Key, once the dead request's hold lapsed
            await asyncio.sleep(LEASE_S + 0.2)
            headers = {"Idempotency-Key": "crash/v1/brands"}
            brand = data(
                await api.post("/v1/brands", key, brand_body("plivo"), headers=headers), 201
            )
            assert [brand["provider_brand_id"]] == list(fake.brands)
            assert (len(fake.registration.profiles), len(fake.brands)) == (1, 1)
            assert await in_numlink(cw, "brand") == (1, 0)

            # Plivo registers it; its callback has numlink read it
            fake.tick()
            await deliver_callbacks(api, fake)
            await run_registration_jobs(cw.sessions, SETTINGS, catalog)
            brand = data(await api.get(f"/v1/brands/{brand['id']}", key))
            assert (brand["status"], brand["identity_status"]) == ("ACTIVE", "VERIFIED")

            # a campaign, this time finished by the registration job without any retry
            body = campaign_body(brand["id"])
            with crashing_api(cw.url, env) as (process, base):
                await post_until_killed(process, base, "/v1/campaigns", key, body)
            assert len(fake.campaigns) == 1 and await in_numlink(cw, "campaign") == (0, 1)
            await asyncio.sleep(LEASE_S + 0.2)
            assert await run_registration_jobs(cw.sessions, SETTINGS, catalog) == 1
            assert await in_numlink(cw, "campaign") == (1, 0)
            adopted = data(await api.get("/v1/campaigns", key))
            assert [c["provider_campaign_id"] for c in adopted] == list(fake.campaigns)
            again = data(await api.post("/v1/campaigns", key, body), 200)
            assert again["id"] == adopted[0]["id"] and len(fake.campaigns) == 1
