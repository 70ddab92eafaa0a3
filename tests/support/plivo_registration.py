"""Live-mode registration against the fake Plivo: its status callbacks delivered to numlink's
webhook URL through the API, and a ``settle`` for ``registration.lifecycle``."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from providers.catalog import ProviderCatalog
from tests.providers.plivo.fake_server import FakePlivo
from tests.support.api import Api, data
from tests.support.registration import run_registration_jobs

REVIEW_S = 0.2  # the fake Plivo's review time in these tests


async def deliver_callbacks(api: Api, fake: FakePlivo) -> list[dict[str, Any]]:
    """POST the fake's queued callbacks to where they were addressed (numlink's webhook URL,
    served in-process); returns the receipts."""
    receipts = []
    while fake.registration.callbacks:
        callback = fake.registration.callbacks.pop(0)
        url = urlsplit(callback.url)
        path = f"{url.path}?{url.query}" if url.query else url.path
        response = await api.client.post(path, content=callback.body, headers=callback.headers)
        receipts.append(data(response))
    return receipts


def live_settle(
    api: Api,
    fake: FakePlivo,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    catalog: ProviderCatalog,
) -> Callable[[], Awaitable[None]]:
    """Wait out the fake's review, deliver its callbacks, run the registration jobs (the
    callbacks made the objects due for a read)."""

    async def settle() -> None:
        await asyncio.sleep(REVIEW_S + 0.05)
        fake.tick()
        await deliver_callbacks(api, fake)
        await run_registration_jobs(sessions, settings, catalog)

    return settle
