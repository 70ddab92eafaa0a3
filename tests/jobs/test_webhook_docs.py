"""The verification snippet of docs/webhooks.md, run as written against a real delivery."""

import re
from pathlib import Path
from typing import Any

from app.jobs.context import JobContext
from app.jobs.webhook_delivery import WebhookDeliveryJob
from tests.support.api import data, us_number
from tests.support.app import test_catalog, test_settings
from tests.support.committed import committed_world
from tests.support.database import DatabaseServer
from tests.support.receiver import receiver

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def snippet() -> str:
    section = DOC.read_text().split("### Verifying a delivery", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the python block of 'Verifying a delivery'"
    return match.group(1)


async def test_the_documented_snippet_verifies_a_real_delivery(server: DatabaseServer) -> None:
    code = snippet()
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    settings = test_settings()
    with receiver() as rx:
        async with committed_world(server.create_database, settings) as cw:
            key = cw.world.test_key
            hook = data(await cw.api.post("/v1/webhook-endpoints", key, {"url": rx.url("/h")}), 201)
            body = {"number": us_number(), "provider": "sandbox"}
            number = data(await cw.api.post("/v1/phone-numbers", key, body), 201)
            async with JobContext.open(cw.sessions, settings, test_catalog()) as context:
                assert await WebhookDeliveryJob(context).process_due(10) == 1
    namespace: dict[str, Any] = {}
    exec(code.replace('"whsec_…"', repr(hook["secret"])), namespace)  # the doc, as written
    [request] = rx.requests
    event = namespace["handle"](request.body, request.headers)
    assert event is not None and event["id"] == request.headers["webhook-id"]
    assert (event["type"], event["resource"]["id"]) == ("phone_number.created", number["id"])
    assert namespace["handle"](request.body.replace(b"sandbox", b"telnyx"), request.headers) is None
    stale = {
        **request.headers,
        "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 3600),
    }
    assert namespace["handle"](request.body, stale) is None
