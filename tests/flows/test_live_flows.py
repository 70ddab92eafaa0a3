"""Live-mode flows through the public API, with the same requests as test mode: Telnyx through
Prism's mock of Telnyx's spec (``--errors``: an off-spec request is refused, so a run whose
requests Prism all accepted is the contract check) and Plivo through the fake Plivo server."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import World, data, error_code, us_number
from tests.support.app import test_catalog, test_settings
from tests.support.committed import committed_world
from tests.support.live import (
    PLIVO_ACCOUNT,
    PLIVO_ID,
    PLIVO_TOKEN,
    PRISM_BRAND,
    PRISM_CAMPAIGN,
    PRISM_NUMBER,
    RecordingProxy,
    TelnyxSigner,
    activate_campaign,
    fake_plivo,
    integration_run,
    live_plivo,
    live_telnyx,
    one_pass,
    put_account,
    settle,
    shape,
)

pytest_plugins = ["tests.support.prism"]  # provides ``prism_url``: one Prism for the whole run

Sessions = async_sessionmaker[AsyncSession]
ASSIGNMENTS = "/10dlc/phone_number_campaigns"
LINKS = f"/v1/Account/{PLIVO_ID}/10dlc/Campaign"


@pytest.fixture(scope="module")
def prism(prism_url: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(prism_url) as proxy:
        yield proxy


def number_path(number: dict[str, Any]) -> str:
    return f"/v1/phone-numbers/{number['id']}"


def line(row: dict[str, Any]) -> tuple[Any, Any]:
    return row["campaign_id"], row["carrier_line_option_status"]


def outcome(row: dict[str, Any]) -> tuple[Any, Any]:
    return row["carrier_line_option_status"], row["carrier_line_option_error"]


def plain(number: str) -> str:
    return number.removeprefix("+")


class TestTelnyxThroughPrism:
    @pytest.fixture
    def catalog(self, prism: RecordingProxy) -> ProviderCatalog:
        prism.clear()
        return test_catalog(telnyx={"base_url": prism.base_url})

    @pytest.fixture
    def signer(self) -> TelnyxSigner:
        return TelnyxSigner()

    async def test_attach_settles_on_the_status_prism_reports(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        prism: RecordingProxy,
        signer: TelnyxSigner,
    ) -> None:
        live = await live_telnyx(world.api, world, signer)
        attached = data(await world.attach(live.number["id"], live.campaign["id"], world.live_key))
        assert line(attached) == (live.campaign["id"], "pending")
        await settle(sessions, settings, catalog)
        final = data(await world.api.get(number_path(live.number), world.live_key))
        assert final["campaign_id"] == live.campaign["id"]
        # the example's FAILED_ASSIGNMENT and failureReasons; had Prism refused the POST as
        # off-spec, the error would quote Prism's 4xx instead
        assert outcome(final) == ("failed", "telnyx: string")
        assert final["carrier_line_option_propagated_at"] is None
        assert prism.refused() == []
        assert prism.calls() == [
            ("GET", f"/10dlc/brand/{PRISM_BRAND}"),
            ("GET", f"/10dlc/campaign/{PRISM_CAMPAIGN}"),
            ("GET", "/phone_numbers"),
            ("POST", ASSIGNMENTS),
            ("GET", f"{ASSIGNMENTS}/{PRISM_NUMBER}"),
        ]

    async def test_attach_confirmed_by_webhook_then_detach(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        prism: RecordingProxy,
        signer: TelnyxSigner,
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_telnyx(api, world, signer)
        data(await world.attach(live.number["id"], live.campaign["id"], key))
        prism.clear()
        assert await one_pass(sessions, settings, catalog) == 1  # submits the assignment
        assert prism.calls() == [("POST", ASSIGNMENTS)] and prism.refused() == []
        event = {"phoneNumber": PRISM_NUMBER, "campaignId": PRISM_CAMPAIGN}
        event["assignmentStatus"] = "ASSIGNED"
        receipt = await signer.send(api, live.webhook_url, "10dlc.phone_number.update", event)
        assert receipt["rows_changed"] == 1
        linked = data(await api.get(number_path(live.number), key))
        assert line(linked) == (live.campaign["id"], "propagated")
        assert linked["carrier_line_option_propagated_at"] is not None

        detached = data(await api.delete(f"{number_path(live.number)}/campaign", key))
        assert line(detached) == (None, "pending")
        assert await one_pass(sessions, settings, catalog) == 1  # submits the unassignment
        assert prism.calls()[1:] == [("DELETE", f"{ASSIGNMENTS}/{PRISM_NUMBER}")]
        assert prism.refused() == []

    async def test_refresh_reads_prism_again(
        self, world: World, prism: RecordingProxy, signer: TelnyxSigner
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_telnyx(api, world, signer)
        prism.clear()
        campaign = data(await api.post(f"/v1/campaigns/{live.campaign['id']}/refresh", key))
        # Prism still says TCR_PENDING: the refresh takes the provider's word over the event
        assert (campaign["status"], campaign["provider_status"]) == ("PENDING", "TCR_PENDING")
        assert campaign["tcr_campaign_id"] == "CCAMP1"
        brand = data(await api.post(f"/v1/brands/{live.brand['id']}/refresh", key))
        assert (brand["identity_status"], brand["status"]) == ("VERIFIED", "ACTIVE")
        assert brand["display_name"] == "ABC Mobile"
        assert prism.calls() == [
            ("GET", f"/10dlc/campaign/{PRISM_CAMPAIGN}"),
            ("GET", f"/10dlc/brand/{PRISM_BRAND}"),
        ]
        assert prism.refused() == []

    @pytest.mark.parametrize("operation", ["attach to another campaign", "detach"])
    async def test_every_flow_reaches_a_final_status(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        signer: TelnyxSigner,
        operation: str,
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_telnyx(api, world, signer)
        if operation == "detach":
            data(await world.attach(live.number["id"], live.campaign["id"], key))
            await one_pass(sessions, settings, catalog)
            event = {"phoneNumber": PRISM_NUMBER, "campaignId": PRISM_CAMPAIGN}
            event["assignmentStatus"] = "ASSIGNED"
            await signer.send(api, live.webhook_url, "10dlc.phone_number.update", event)
            data(await api.delete(f"{number_path(live.number)}/campaign", key))
        else:
            body = {"brand_id": live.brand["id"], "provider_campaign_id": "C-REAL-ID"}
            other = data(await api.post("/v1/campaigns", key, body), 201)
            await activate_campaign(api, live.webhook_url, signer, "C-REAL-ID")
            data(await world.attach(live.number["id"], other["id"], key))
        # every status read answers FAILED_ASSIGNMENT to "string": a provider that keeps
        # disagreeing is retried with backoff, then given up on with its word in the error
        await settle(sessions, settings, catalog, timeout_s=10)
        final = data(await api.get(number_path(live.number), key))
        assert final["carrier_line_option_status"] == "failed"
        assert "still reports failed string" in final["carrier_line_option_error"]


class TestPlivoThroughTheFake:
    @pytest.fixture
    def fake(self) -> Iterator[FakePlivo]:
        with fake_plivo() as server:
            yield server

    @pytest.fixture
    def catalog(self, fake: FakePlivo) -> ProviderCatalog:
        return test_catalog(plivo={"base_url": fake.base_url})

    async def test_attach_move_and_detach_reach_plivo(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        fake: FakePlivo,
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_plivo(api, key, fake)
        (first, second), (number,) = live.campaigns, live.numbers
        plivo_number = plain(number["number"])
        data(await world.attach(number["id"], first["id"], key))
        await settle(sessions, settings, catalog)
        assert line(data(await api.get(number_path(number), key))) == (first["id"], "propagated")
        [link] = fake.calls("POST")
        assert link.path == f"{LINKS}/CAMP1/Number/"
        callback = live.account["webhook_url"]
        assert link.json == {"numbers": [plivo_number], "url": callback, "method": "POST"}

        before = len(fake.calls())
        moved = data(await world.attach(number["id"], second["id"], key))
        assert line(moved) == (second["id"], "pending")
        await settle(sessions, settings, catalog)
        calls = [(r.method, r.path) for r in fake.calls()[before:]]
        assert calls[:2] == [  # Plivo has no move: unlink, then link, in that order
            ("DELETE", f"{LINKS}/CAMP1/Number/{plivo_number}/"),
            ("POST", f"{LINKS}/CAMP2/Number/"),
        ]
        row = data(await api.get(number_path(number), key))
        assert line(row) == (second["id"], "propagated")
        assert fake.link_status(plivo_number) == (second["provider_campaign_id"], "COMPLETED")

        detached = data(await api.delete(f"{number_path(number)}/campaign", key))
        assert line(detached) == (None, "pending")
        await settle(sessions, settings, catalog)
        assert line(data(await api.get(number_path(number), key))) == (None, None)
        assert fake.link_status(plivo_number) is None

    async def test_bulk_attach_is_batched(
        self, fake: FakePlivo, fresh_db: Callable[[], str]
    ) -> None:
        # a committed database: the worker claims many rows at once, as in production
        settings = test_settings(worker_concurrency=64)
        catalog = test_catalog(plivo={"base_url": fake.base_url})
        async with committed_world(fresh_db, settings, catalog=catalog) as cw:
            api, key = cw.api, cw.world.live_key
            live = await live_plivo(api, key, fake, numbers=50)
            numbers = [n["number"] for n in live.numbers]
            refused = {plain(n) for n in numbers[:2]}
            fake.fail_numbers.update({n: "carrier rejected the number" for n in refused})
            path = f"/v1/campaigns/{live.campaigns[0]['id']}/phone-numbers"
            task = data(await api.post(path, key, {"numbers": numbers}), 202)
            assert task["counts"] == {"total": 50, "succeeded": 0, "failed": 0, "pending": 50}
            await settle(cw.sessions, settings, catalog)
            done = data(await api.get(f"/v1/bulk-tasks/{task['id']}", key))
            assert done["status"] == "completed"
            assert done["counts"] == {"total": 50, "succeeded": 48, "failed": 2, "pending": 0}
            items_path = f"/v1/bulk-tasks/{task['id']}/items"
            failed = data(await api.get(items_path, key, params={"outcome": "failed"}))
        assert {plain(i["number"]) for i in failed} == refused
        links = fake.calls("POST")
        assert [r.path for r in links] == [f"{LINKS}/CAMP1/Number/"]  # one call for 50 numbers
        assert sorted(links[0].json["numbers"]) == sorted(map(plain, numbers))
        held = {plain(n): fake.link_status(n) for n in numbers}
        assert {n: s for n, s in held.items() if s != ("CAMP1", "COMPLETED")} == {
            n: ("CAMP1", "FAILED") for n in refused
        }

    async def test_provider_refusals_fail_the_number_with_the_reason(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        fake: FakePlivo,
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_plivo(api, key, fake, numbers=2)
        campaign, (refused, rejected) = live.campaigns[0], live.numbers
        data(await world.attach(refused["id"], campaign["id"], key))
        fake.fail_next(400, {"error": "invalid number format"})  # answers the link request
        await settle(sessions, settings, catalog)
        fake.fail_numbers[rejected["number"]] = "number is not 10DLC eligible"  # by carriers
        data(await world.attach(rejected["id"], campaign["id"], key))
        await settle(sessions, settings, catalog)
        first = data(await api.get(number_path(refused), key))
        assert outcome(first) == ("failed", "plivo: invalid number format (HTTP 400)")
        second = data(await api.get(number_path(rejected), key))
        assert outcome(second) == ("failed", "plivo: number is not 10DLC eligible")
        assert first["campaign_id"] == second["campaign_id"] == campaign["id"]

        retried = data(await world.attach(refused["id"], campaign["id"], key))
        assert outcome(retried) == ("pending", None)
        await settle(sessions, settings, catalog)
        assert outcome(data(await api.get(number_path(refused), key))) == ("propagated", None)

    async def test_removed_account_fails_the_link_with_a_reason(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        fake: FakePlivo,
    ) -> None:
        api, key = world.api, world.live_key
        live = await live_plivo(api, key, fake)
        (number,) = live.numbers
        data(await world.attach(number["id"], live.campaigns[0]["id"], key))
        assert (await api.delete("/v1/provider-accounts/plivo", key)).status_code == 200
        await settle(sessions, settings, catalog)
        row = data(await api.get(number_path(number), key))
        expected = ("failed", "no plivo account is configured for this organisation")
        assert outcome(row) == expected
        assert fake.calls("POST") == []
        # from now on links are refused up front, single or bulk, and nothing is recorded
        campaign_id = live.campaigns[0]["id"]
        again = await world.attach(number["id"], campaign_id, key)
        assert (again.status_code, error_code(again)) == (409, "PROVIDER_NOT_CONFIGURED")
        bulk = await api.post(
            f"/v1/campaigns/{campaign_id}/phone-numbers", key, {"numbers": [number["number"]]}
        )
        assert (bulk.status_code, error_code(bulk)) == (409, "PROVIDER_NOT_CONFIGURED")
        assert outcome(data(await api.get(number_path(number), key))) == expected

    async def test_same_requests_and_answers_as_test_mode(
        self,
        world: World,
        sessions: Sessions,
        settings: Settings,
        catalog: ProviderCatalog,
        fake: FakePlivo,
    ) -> None:
        await put_account(world.api, world.live_key, "plivo", PLIVO_ACCOUNT)  # once, at set-up
        number = us_number()
        fake.add_number(number)
        test_run = await integration_run(
            world.api, world.test_key, number, sessions, settings, catalog
        )
        live_run = await integration_run(
            world.api, world.live_key, number, sessions, settings, catalog
        )
        assert [(s.name, s.status) for s in live_run] == [(s.name, s.status) for s in test_run]
        for test_step, live_step in zip(test_run, live_run, strict=True):
            assert shape(live_step.body) == shape(test_step.body), live_step.name
            assert values(live_step.body) == values(test_step.body), live_step.name
        linking = [
            s.body["data"]["carrier_line_option_status"] for s in live_run[3:] if s.name != "list"
        ]
        assert linking == ["pending", "propagated", "pending", None]
        assert fake.link_status(number) is None and len(fake.calls("POST")) == 1


# Fields whose values an integration may rely on being the same in both modes.
SAME_IN_BOTH_MODES = (
    "provider",
    "identity_status",
    "status",
    "number",
    "number_type",
    "assigned",
    "sms_enabled",
    "carrier_line_option_status",
    "carrier_line_option_error",
)


def values(body: Any) -> Any:
    found = body["data"]
    rows = found if isinstance(found, list) else [found]
    return [{k: row[k] for k in SAME_IN_BOTH_MODES if k in row} for row in rows]


async def test_without_an_account_live_requests_are_not_configured(world: World) -> None:
    api, key = world.api, world.live_key
    for provider in ("telnyx", "plivo"):
        body = {"provider": provider, "provider_brand_id": "B1"}
        brand = await api.post("/v1/brands", key, body)
        assert (brand.status_code, error_code(brand)) == (409, "PROVIDER_NOT_CONFIGURED")
        body = {"number": us_number(), "provider": provider}
        number = await api.post("/v1/phone-numbers", key, body)
        assert (number.status_code, error_code(number)) == (409, "PROVIDER_NOT_CONFIGURED")
        account = await api.get(f"/v1/provider-accounts/{provider}", key)
        assert (account.status_code, error_code(account)) == (404, "NOT_FOUND")
    assert data(await api.get("/v1/brands", key)) == []


async def test_unknown_provider_is_validation_failed(world: World) -> None:
    api, key = world.api, world.live_key
    plivo = {"auth_id": PLIVO_ID, "auth_token": PLIVO_TOKEN}
    requests = [
        ("POST", "/v1/brands", {"provider": "bandwidth", "provider_brand_id": "B1"}),
        ("POST", "/v1/phone-numbers", {"number": us_number(), "provider": "bandwidth"}),
        ("PUT", "/v1/provider-accounts/bandwidth", plivo),
        ("GET", "/v1/phone-numbers?provider=bandwidth", None),
    ]
    for method, path, body in requests:
        response = await api.request(method, path, key, body)
        assert (response.status_code, error_code(response)) == (422, "VALIDATION_FAILED"), path
        assert "provider" in response.json()["error"]["details"], path
