"""Helpers to build test worlds through the public API, and to read envelopes."""

import itertools
import random
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Mode, PhoneNumber
from app.keys.service import SCOPES, create_key
from app.kit.phone import parse_e164
from app.orgs.service import create_org

_counter = itertools.count()


_issued: set[str] = set()


def us_number() -> str:
    """A fresh valid US local number, never the same twice in a run (500 random ones in one
    org collided about once in a hundred runs)."""
    while True:
        candidate = f"+1201{random.randint(2, 9)}{random.randint(0, 999_999):06d}"
        try:
            parse_e164(candidate)
        except ValueError:
            continue
        if candidate not in _issued:
            _issued.add(candidate)
            return candidate


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["success"] is False, body
    return str(body["error"]["code"])


class Api:
    """Thin client: ``await api.post(path, key, json)`` returns the raw response."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(
        self,
        method: str,
        path: str,
        key: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["Authorization"] = f"Bearer {key}"
        return await self.client.request(method, path, json=json, headers=all_headers, **kwargs)

    async def get(self, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, key, **kw)

    async def post(
        self, path: str, key: str | None = None, json: Any = None, **kw: Any
    ) -> httpx.Response:
        return await self.request("POST", path, key, json, **kw)

    async def patch(
        self, path: str, key: str | None = None, json: Any = None, **kw: Any
    ) -> httpx.Response:
        return await self.request("PATCH", path, key, json, **kw)

    async def delete(self, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", path, key, **kw)


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["success"] is True, body
    return body["data"]


class World:
    """One org with a test key and a live key (all scopes) and object factories."""

    def __init__(
        self, api: Api, sessions: async_sessionmaker[AsyncSession], org_id: uuid.UUID
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.org_id = org_id
        self.test_key = ""
        self.live_key = ""

    @classmethod
    async def create(cls, api: Api, sessions: async_sessionmaker[AsyncSession]) -> "World":
        async with sessions.begin() as session:
            org = await create_org(session, f"org-{next(_counter)}")
        world = cls(api, sessions, org.id)
        world.test_key = await world.key(Mode.TEST)
        world.live_key = await world.key(Mode.LIVE)
        return world

    async def key(self, mode: Mode = Mode.TEST, scopes: list[str] | None = None) -> str:
        async with self.sessions.begin() as session:
            issued = await create_key(session, self.org_id, mode, scopes or list(SCOPES))
        return issued.key

    async def brand(
        self, provider: str = "sandbox", identity_status: str | None = None
    ) -> dict[str, Any]:
        brand = data(
            await self.api.post(
                "/v1/brands",
                self.test_key,
                {"provider": provider, "provider_brand_id": f"B{uuid.uuid4().hex[:8]}"},
            ),
            201,
        )
        if identity_status is not None:
            brand = data(
                await self.api.post(
                    f"/v1/test-helpers/brands/{brand['id']}/identity-status",
                    self.test_key,
                    {"identity_status": identity_status},
                )
            )
        return dict(brand)

    async def campaign(
        self,
        brand: dict[str, Any] | None = None,
        status: str | None = None,
        provider: str = "sandbox",
    ) -> dict[str, Any]:
        brand = brand or await self.brand(provider)
        campaign = data(
            await self.api.post(
                "/v1/campaigns",
                self.test_key,
                {"brand_id": brand["id"], "provider_campaign_id": f"C{uuid.uuid4().hex[:8]}"},
            ),
            201,
        )
        if status is not None:
            campaign = data(
                await self.api.post(
                    f"/v1/test-helpers/campaigns/{campaign['id']}/status",
                    self.test_key,
                    {"status": status},
                )
            )
        return dict(campaign)

    async def number(
        self, number: str | None = None, provider: str = "sandbox", assigned: bool = True
    ) -> dict[str, Any]:
        created = data(
            await self.api.post(
                "/v1/phone-numbers",
                self.test_key,
                {"number": number or us_number(), "provider": provider},
            ),
            201,
        )
        if not assigned:
            created = data(
                await self.api.post(
                    f"/v1/test-helpers/phone-numbers/{created['id']}/assignment",
                    self.test_key,
                    {"assigned": False},
                )
            )
        return dict(created)

    async def live_number_row(self, number: str, provider: str = "telnyx") -> PhoneNumber:
        """An eligible live number written straight to the database: no provider account or
        provider read needed (registering through the API would need both)."""
        row = PhoneNumber(
            org_id=self.org_id,
            mode="live",
            number=number,
            number_type="local",
            region_code="US",
            provider=provider,
            assigned=True,
            sms_enabled=True,
            mms_enabled=True,
        )
        async with self.sessions.begin() as session:
            session.add(row)
        return row

    async def attach(
        self, number_id: str, campaign_id: str, key: str | None = None
    ) -> httpx.Response:
        return await self.api.post(
            f"/v1/phone-numbers/{number_id}/campaign",
            key or self.test_key,
            {"campaign_id": campaign_id},
        )
