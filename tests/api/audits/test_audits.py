"""Audits in test mode: drift made at the sandbox provider with the test helpers is found with
exact counts and repaired through the reconciler."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.support.api import World, data, error_code, us_number
from tests.support.app import settle

Sessions = async_sessionmaker[AsyncSession]


class Drift:
    def __init__(
        self, world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
    ) -> None:
        self.world, self.api, self.key = world, world.api, world.test_key
        self.settle_args = (sessions, settings, catalog)

    async def settle(self) -> None:
        await settle(*self.settle_args)

    async def linked(self, campaign: dict[str, Any], count: int) -> list[dict[str, Any]]:
        numbers = [await self.world.number() for _ in range(count)]
        body = {"phone_number_ids": [n["id"] for n in numbers]}
        data(
            await self.api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", self.key, body),
            202,
        )
        await self.settle()
        return numbers

    async def provider_link(self, number: str, ref: str | None) -> None:
        body = {"number": number, "provider_campaign_id": ref}
        data(await self.api.post("/v1/test-helpers/provider-links", self.key, body))

    async def audit(self, **body: Any) -> dict[str, Any]:
        created = data(await self.api.post("/v1/audits", self.key, body), 202)
        await self.settle()
        return dict(data(await self.api.get(f"/v1/audits/{created['id']}", self.key)))

    async def findings(self, audit: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        query: dict[str, Any] = {"limit": 2, **params}
        while True:
            page = await self.api.get(f"/v1/audits/{audit['id']}/findings", self.key, params=query)
            found.extend(data(page))
            cursor = page.json()["meta"]["next_cursor"]
            if cursor is None:
                assert page.json()["meta"]["total"] == len(found)
                return found
            query["cursor"] = cursor

    async def line(self, number: dict[str, Any]) -> tuple[Any, Any]:
        row = data(await self.api.get(f"/v1/phone-numbers/{number['id']}", self.key))
        return row["campaign_id"], row["carrier_line_option_status"]


async def test_campaign_audit_finds_and_repairs_every_drift(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    drift = Drift(world, sessions, settings, catalog)
    campaign, other = await world.campaign(), await world.campaign()
    numbers = await drift.linked(campaign, 6)
    removed, moved, unknown_number = numbers[0], numbers[1], us_number()
    await drift.provider_link(removed["number"], None)  # link removed in the portal
    await drift.provider_link(moved["number"], other["provider_campaign_id"])  # moved away
    stranger = await world.number()  # numlink wants no campaign on it
    await drift.provider_link(stranger["number"], campaign["provider_campaign_id"])
    await drift.provider_link(unknown_number, campaign["provider_campaign_id"])
    report = await drift.audit(campaign_id=campaign["id"])
    assert report["status"] == "completed" and report["repair"] is False
    assert report["counts"] == {
        "total": 4,
        "missing_at_provider": 2,
        "unknown_to_numlink": 1,
        "wrong_campaign": 1,
        "status_mismatch": 0,
        "not_on_campaign": 0,
        "repaired": 0,
    }
    found = {(f["number"], f["kind"]) for f in await drift.findings(report)}
    assert found == {
        (removed["number"], "missing_at_provider"),
        (moved["number"], "missing_at_provider"),
        (stranger["number"], "wrong_campaign"),
        (unknown_number, "unknown_to_numlink"),
    }
    (wrong,) = await drift.findings(report, kind="wrong_campaign")
    assert wrong == {
        "number": stranger["number"],
        "phone_number_id": stranger["id"],
        "kind": "wrong_campaign",
        "numlink_campaign_id": None,
        "provider_campaign_id": campaign["provider_campaign_id"],
        "repaired": False,
    }
    # nothing was changed by a report
    assert await drift.line(removed) == (campaign["id"], "propagated")

    repaired = await drift.audit(campaign_id=campaign["id"], repair=True)
    assert repaired["counts"]["total"] == 4 and repaired["counts"]["repaired"] == 3
    assert {f["number"] for f in await drift.findings(repaired) if not f["repaired"]} == {
        unknown_number  # not managed by numlink: left alone
    }
    await drift.settle()
    assert await drift.line(removed) == (campaign["id"], "propagated")
    assert await drift.line(moved) == (campaign["id"], "propagated")
    assert await drift.line(stranger) == (None, None)
    after = await drift.audit(campaign_id=campaign["id"])
    assert after["counts"]["total"] == 1  # only the number numlink does not manage
    by_provider = await drift.audit(provider="sandbox")
    assert by_provider["counts"]["unknown_to_numlink"] == 1


async def test_status_mismatch_is_confirmed_from_the_provider(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    drift = Drift(world, sessions, settings, catalog)
    campaign = await world.campaign()
    number = await world.number()
    data(await world.attach(number["id"], campaign["id"]))
    body = {"outcome": "failed"}
    path = f"/v1/test-helpers/phone-numbers/{number['id']}/carrier-outcome"
    data(await world.api.post(path, world.test_key, body))
    assert await drift.line(number) == (campaign["id"], "failed")
    await drift.provider_link(number["number"], campaign["provider_campaign_id"])  # it took
    report = await drift.audit(campaign_id=campaign["id"], repair=True)
    assert report["counts"]["status_mismatch"] == 1 and report["counts"]["repaired"] == 1
    await drift.settle()
    assert await drift.line(number) == (campaign["id"], "propagated")


async def test_pool_audit_links_stray_numbers(
    world: World, sessions: Sessions, settings: Settings, catalog: ProviderCatalog
) -> None:
    drift = Drift(world, sessions, settings, catalog)
    campaign = await world.campaign()
    pool = sorted(us_number() for _ in range(5))
    body = {"numbers": pool, "messaging_profile_id": "MP-POOL"}
    data(await world.api.post("/v1/test-helpers/inventory", world.test_key, body))
    sync = data(
        await world.api.post("/v1/phone-numbers/sync", world.test_key, {"provider": "sandbox"}), 202
    )
    await drift.settle()
    rows = data(await world.api.get("/v1/phone-numbers", world.test_key,
                                    params={"messaging_profile_id": "MP-POOL"}))  # fmt: skip
    assert len(rows) == 5 and sync["operation"] == "sync"
    by_number = {r["number"]: r for r in rows}
    linked_ids = [by_number[n]["id"] for n in pool[:3]]
    body = {"phone_number_ids": linked_ids}
    data(
        await world.api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", world.test_key, body),
        202,
    )
    await drift.settle()
    stray_unknown = us_number()  # on the profile, never imported
    body = {"numbers": [stray_unknown], "messaging_profile_id": "MP-POOL"}
    data(await world.api.post("/v1/test-helpers/inventory", world.test_key, body))

    scope = {"messaging_profile_id": "MP-POOL", "campaign_id": campaign["id"]}
    report = await drift.audit(**scope)
    assert report["messaging_profile_id"] == "MP-POOL"
    assert report["counts"]["not_on_campaign"] == 3 and report["counts"]["total"] == 3
    strays = await drift.findings(report, kind="not_on_campaign")
    assert {s["number"] for s in strays} == {*pool[3:], stray_unknown}
    assert [s["phone_number_id"] is None for s in strays].count(True) == 1

    repaired = await drift.audit(**scope, repair=True)
    assert repaired["counts"]["not_on_campaign"] == 3 and repaired["counts"]["repaired"] == 3
    await drift.settle()
    on_campaign = data(await world.api.get("/v1/phone-numbers", world.test_key,
                                           params={"campaign_id": campaign["id"]}))  # fmt: skip
    assert {r["number"] for r in on_campaign} == {*pool, stray_unknown}
    assert {r["carrier_line_option_status"] for r in on_campaign} == {"propagated"}
    assert (await drift.audit(**scope))["counts"]["total"] == 0
    items = data(await world.api.get(f"/v1/bulk-tasks/{repaired['id']}/items", world.test_key))
    assert len(items) == 3 and {i["outcome"] for i in items} == {"propagated"}
    task = data(await world.api.get(f"/v1/bulk-tasks/{repaired['id']}", world.test_key))
    assert task["operation"] == "audit" and task["counts"]["repaired"] == 3


async def test_audit_requests_are_checked(world: World) -> None:
    api, key = world.api, world.test_key
    campaign = await world.campaign()
    both = await api.post("/v1/audits", key, {"campaign_id": campaign["id"], "provider": "sandbox"})
    assert error_code(both) == "VALIDATION_FAILED"
    assert error_code(await api.post("/v1/audits", key, {})) == "VALIDATION_FAILED"
    pool_only = await api.post("/v1/audits", key, {"messaging_profile_id": "MP"})
    assert "campaign_id" in pool_only.json()["error"]["details"]
    missing = await api.post(
        "/v1/audits", key, {"campaign_id": "7f4df8a8-95f3-4d1c-9b8e-0c2f4c1f0a11"}
    )
    assert (missing.status_code, error_code(missing)) == (404, "NOT_FOUND")
    bulk = data(await api.post(f"/v1/campaigns/{campaign['id']}/phone-numbers", key,
                               {"numbers": [us_number()]}), 202)  # fmt: skip
    not_audit = await api.get(f"/v1/audits/{bulk['id']}", key)
    assert (not_audit.status_code, error_code(not_audit)) == (404, "NOT_FOUND")
    bad_kind = await api.get(f"/v1/audits/{bulk['id']}/findings", key, params={"kind": "x"})
    assert error_code(bad_kind) in ("VALIDATION_FAILED", "NOT_FOUND")
    audit = data(await api.post("/v1/audits", key, {"provider": "plivo"}), 202)
    assert audit["provider"] == "plivo" and audit["status"] == "pending"
    bad_cursor = await api.get(f"/v1/audits/{audit['id']}/findings", key, params={"cursor": "zz"})
    assert error_code(bad_cursor) == "VALIDATION_FAILED"
