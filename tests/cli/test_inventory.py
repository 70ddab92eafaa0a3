"""``numlink numbers sync|import`` and ``numlink audit`` run as a user would: the command in its
own process against a ``numlink serve`` process (sandbox provider) on a database of its own."""

import asyncio
import csv
import json
from pathlib import Path

from tests.cli.test_bulk import Gateway, gateway
from tests.support.api import data, us_number

__all__ = ["gateway"]  # the served gateway of test_bulk, started for this module too


async def test_import_sync_and_audit(gateway: Gateway, tmp_path: Path) -> None:
    world = gateway.world
    fresh = [us_number() for _ in range(4)]
    source = tmp_path / "fleet.csv"
    source.write_text("number\n" + "".join(f"{n}\n" for n in fresh))
    imported = await gateway.cli("numbers", "import", source, "--provider", "sandbox", "--json")
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert summary["counts"]["registered"] == 4 and summary["finished"] is True
    with (tmp_path / "fleet.result.csv").open(newline="") as results:
        rows = list(csv.DictReader(results))
    assert [(r["number"], r["outcome"]) for r in rows] == [(n, "registered") for n in fresh]
    again = await gateway.cli("numbers", "import", source, "--provider", "sandbox", "--json")
    assert json.loads(again.stdout)["task_ids"] == summary["task_ids"]  # resumed, not redone

    extra = [us_number() for _ in range(3)]
    body = {"numbers": extra}
    data(await world.api.post("/v1/test-helpers/inventory", world.test_key, body))
    synced = await gateway.cli("numbers", "sync", "--provider", "sandbox")
    assert synced.returncode == 0, synced.stderr
    assert "7 seen, 3 added, 0 updated, 0 released" in synced.stdout

    campaign = await world.campaign()
    ids = [r["phone_number_id"] for r in rows]
    path = f"/v1/campaigns/{campaign['id']}/phone-numbers"
    data(await world.api.post(path, world.test_key, {"phone_number_ids": ids}), 202)
    for _ in range(100):
        numbers = [await gateway.number(i) for i in ids]
        if all(n["carrier_line_option_status"] == "propagated" for n in numbers):
            break
        await asyncio.sleep(0.1)
    unlinked = {"number": fresh[0], "provider_campaign_id": None}
    data(await world.api.post("/v1/test-helpers/provider-links", world.test_key, unlinked))
    report = await gateway.cli("audit", "--campaign", campaign["id"])
    assert report.returncode == 1, report.stderr
    assert fresh[0] in report.stdout and "missing_at_provider" in report.stdout
    assert "1 findings (1 missing_at_provider), 0 repaired" in report.stdout
    repaired = await gateway.cli("audit", "--campaign", campaign["id"], "--repair", "--json")
    assert repaired.returncode == 0, repaired.stderr
    assert json.loads(repaired.stdout)["audit"]["counts"]["repaired"] == 1
    bad = await gateway.cli("audit", "--campaign", "nope")
    assert bad.returncode == 2 and "--campaign must be a campaign id" in bad.stderr
