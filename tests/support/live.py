"""Support for live-mode flow tests: a recording proxy in front of Prism, signed Telnyx
webhooks, live objects built through the API, in-process worker runs, response shapes."""

import base64
import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from nacl.signing import SigningKey

from app.jobs.context import JobContext
from app.jobs.propagation import PropagationJob
from app.jobs.worker import run_until_settled
from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import Api, World, data, error_code, us_number

SessionMaker = Any  # async_sessionmaker[AsyncSession], the rolled-back or a committed one
JsonObject = dict[str, Any]

# What Prism's examples of the spec hold, whatever is asked: the campaign example belongs to this
# brand, the number search always finds this number, and an assignment is always a
# FAILED_ASSIGNMENT to the campaign "string" (with failureReasons "string").
PRISM_BRAND = "d2ca9d69-641b-4131-83fa-5d0744f4c8a9"
PRISM_CAMPAIGN = "string"
PRISM_NUMBER = "+19705555098"

PLIVO_ID, PLIVO_TOKEN = "MAFAKELIVEFLOWS00001", "plivo-live-token-0001"
PLIVO_ACCOUNT = {"auth_id": PLIVO_ID, "auth_token": PLIVO_TOKEN, "rate_per_s": 500}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int


class RecordingProxy:
    """Forwards every request to ``upstream`` and records method, path and answer status, so a
    test can see which calls reached Prism and whether Prism accepted them as on-spec."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, str]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            content_type = answer.getheader("content-type") or "application/json"
        finally:
            connection.close()
        with self._lock:
            self.exchanges.append(Exchange(method, urlsplit(path).path, answer.status))
            self.observe(method, path, answer, payload)
        return answer.status, payload, content_type

    def observe(
        self, method: str, path: str, answer: http.client.HTTPResponse, payload: bytes
    ) -> None:
        """Called under the lock with every answer; for recorders that check more."""

    def calls(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(e.method, e.path) for e in self.exchanges]

    def refused(self) -> list[Exchange]:
        """Exchanges Prism answered with an error: off-spec requests."""
        with self._lock:
            return [e for e in self.exchanges if e.status >= 400]

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()


def _proxy_handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    forwarded = ("authorization", "content-type", "accept")

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() in forwarded}
            status, payload, content_type = proxy.forward(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class TelnyxSigner:
    """Signs webhook bodies the way Telnyx does (Ed25519 over ``"{timestamp}|{body}"``)."""

    def __init__(self) -> None:
        self._key = SigningKey.generate()
        self.public_key = base64.b64encode(bytes(self._key.verify_key)).decode()

    async def send(self, api: Api, webhook_url: str, event_type: str, payload: Any) -> Any:
        """Delivers one event to the account's webhook URL; returns the receipt."""
        event = {
            "data": {
                "event_type": event_type,
                "id": str(uuid.uuid4()),
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1)),
                "payload": payload,
            }
        }
        body = json.dumps(event).encode()
        stamp = str(int(time.time()))
        signature = self._key.sign(stamp.encode() + b"|" + body).signature
        headers = {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
            "telnyx-timestamp": stamp,
            "content-type": "application/json",
        }
        parts = urlsplit(webhook_url)  # the query too: numlink may have added one (``ref``)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        return data(await api.client.post(path, content=body, headers=headers))


async def settle(
    sessions: SessionMaker, settings: Settings, catalog: ProviderCatalog, timeout_s: float = 15
) -> None:
    """Runs the propagation jobs in-process until no row has work scheduled."""
    async with JobContext.open(sessions, settings, catalog) as context:
        await run_until_settled(context, timeout_s)


async def one_pass(sessions: SessionMaker, settings: Settings, catalog: ProviderCatalog) -> int:
    """One worker pass: claims the due rows and takes one reconcile step on each."""
    async with JobContext.open(sessions, settings, catalog) as context:
        job = PropagationJob(context)
        items = await job.claim(50)
        for item in items:
            await job.process(item)
        return len(items)


def shape(value: Any) -> Any:
    """The structure of a JSON value: its object keys, nested; values (and nulls) left out."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


async def put_account(api: Api, key: str, provider: str, body: JsonObject) -> Any:
    return data(await api.request("PUT", f"/v1/provider-accounts/{provider}", key, body))


@dataclass
class LiveTelnyx:
    webhook_url: str
    brand: JsonObject
    campaign: JsonObject
    number: JsonObject


async def live_telnyx(api: Api, world: World, signer: TelnyxSigner) -> LiveTelnyx:
    """Account, brand, campaign (made ACTIVE by a signed event) and number, all from Prism."""
    key = world.live_key
    body = {"api_key": "KEY-prism-0001", "public_key": signer.public_key}
    account = await put_account(api, key, "telnyx", body)
    body = {"provider": "telnyx", "provider_brand_id": PRISM_BRAND}
    brand = data(await api.post("/v1/brands", key, body), 201)
    assert (brand["identity_status"], brand["status"]) == ("VERIFIED", "ACTIVE")
    body = {"brand_id": brand["id"], "provider_campaign_id": PRISM_CAMPAIGN}
    campaign = data(await api.post("/v1/campaigns", key, body), 201)
    assert (campaign["status"], campaign["provider_status"]) == ("PENDING", "TCR_PENDING")
    body = {"number": PRISM_NUMBER, "provider": "telnyx"}
    number = data(await api.post("/v1/phone-numbers", key, body), 201)
    assert (number["assigned"], number["sms_enabled"]) == (True, True)
    # Prism's campaign is always TCR_PENDING: attaching is refused until Telnyx says more
    refused = await world.attach(number["id"], campaign["id"], key)
    assert (refused.status_code, error_code(refused)) == (409, "CAMPAIGN_NOT_ACTIVE")
    await activate_campaign(api, account["webhook_url"], signer, PRISM_CAMPAIGN)
    campaign = data(await api.get(f"/v1/campaigns/{campaign['id']}", key))
    assert campaign["status"] == "ACTIVE"
    return LiveTelnyx(account["webhook_url"], brand, campaign, number)


async def activate_campaign(
    api: Api, webhook_url: str, signer: TelnyxSigner, provider_campaign_id: str
) -> None:
    event = {"campaignId": provider_campaign_id, "campaignStatus": "MNO_PROVISIONED"}
    receipt = await signer.send(api, webhook_url, "10dlc.campaign.update", event)
    assert receipt["rows_changed"] == 1


def fake_plivo() -> FakePlivo:
    """A fake Plivo account holding brand BRAND1 with its campaigns CAMP1 and CAMP2."""
    fake = FakePlivo(PLIVO_ID, PLIVO_TOKEN)
    fake.brands["BRAND1"] = {
        "brand_id": "BRAND1",
        "brand_alias": "Acme",
        "registration_status": "COMPLETED",
    }
    fake.add_campaign("CAMP1")
    fake.add_campaign("CAMP2")
    return fake


@dataclass
class LivePlivo:
    account: JsonObject
    campaigns: list[JsonObject]  # CAMP1, CAMP2
    numbers: list[JsonObject]


async def live_plivo(api: Api, key: str, fake: FakePlivo, numbers: int = 1) -> LivePlivo:
    """Account, BRAND1's campaigns and ``numbers`` numbers held on the fake Plivo account."""
    account = await put_account(api, key, "plivo", PLIVO_ACCOUNT)
    body = {"provider": "plivo", "provider_brand_id": "BRAND1"}
    brand = data(await api.post("/v1/brands", key, body), 201)
    assert (brand["identity_status"], brand["display_name"]) == ("VERIFIED", "Acme")
    campaigns = []
    for ref in ("CAMP1", "CAMP2"):
        body = {"brand_id": brand["id"], "provider_campaign_id": ref}
        campaigns.append(data(await api.post("/v1/campaigns", key, body), 201))
    registered = []
    for _ in range(numbers):
        number = us_number()
        fake.add_number(number)
        body = {"number": number, "provider": "plivo"}
        registered.append(data(await api.post("/v1/phone-numbers", key, body), 201))
    return LivePlivo(account, campaigns, registered)


@dataclass(frozen=True)
class Step:
    name: str
    status: int
    body: Any


async def integration_run(
    api: Api,
    key: str,
    number: str,
    sessions: SessionMaker,
    settings: Settings,
    catalog: ProviderCatalog,
) -> list[Step]:
    """What an integration does on Plivo, whatever the mode: only the key differs."""
    run: list[Step] = []

    async def call(name: str, method: str, path: str, body: Any = None) -> Any:
        response = await api.request(method, path, key, body)
        run.append(Step(name, response.status_code, response.json()))
        return response.json()["data"]

    brand_body = {"provider": "plivo", "provider_brand_id": "BRAND1"}
    brand = await call("brand", "POST", "/v1/brands", brand_body)
    campaign_body = {"brand_id": brand["id"], "provider_campaign_id": "CAMP1"}
    campaign = await call("campaign", "POST", "/v1/campaigns", campaign_body)
    number_body = {"number": number, "provider": "plivo"}
    created = await call("number", "POST", "/v1/phone-numbers", number_body)
    path = f"/v1/phone-numbers/{created['id']}"
    await call("attach", "POST", f"{path}/campaign", {"campaign_id": campaign["id"]})
    await call("list", "GET", f"/v1/phone-numbers?campaign_id={campaign['id']}")
    await settle(sessions, settings, catalog)
    await call("linked", "GET", path)
    await call("detach", "DELETE", f"{path}/campaign")
    await settle(sessions, settings, catalog)
    await call("detached", "GET", path)
    return run
