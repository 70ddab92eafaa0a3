"""What every job of a worker process shares: one session factory, one provider registry (and
its connection pool), one HTTP client for webhooks, the secret keys."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from app.db.engine import SessionMaker
from app.kit.backoff import RetryPolicy
from app.kit.secrets import SecretBox
from app.provider_accounts.registry import ProviderRegistry
from app.settings import Settings
from providers.catalog import ProviderCatalog, default_catalog


@dataclass(frozen=True)
class JobContext:
    sessions: SessionMaker
    settings: Settings
    secret_box: SecretBox
    providers: ProviderRegistry
    http: httpx.AsyncClient  # outbound webhooks: no redirects (their target was never checked)

    @property
    def retry(self) -> RetryPolicy:
        """Failed provider calls: back off, and give up after ``max_attempts``."""
        s = self.settings
        return RetryPolicy(s.retry_base_s, s.retry_cap_s, s.max_attempts)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, sessions: SessionMaker, settings: Settings, catalog: ProviderCatalog | None = None
    ) -> AsyncIterator["JobContext"]:
        box = SecretBox(settings.secret_key_list())
        registry = ProviderRegistry(sessions, settings, box, catalog or default_catalog())
        try:
            async with httpx.AsyncClient(follow_redirects=False) as http:
                yield cls(sessions, settings, box, registry, http)
        finally:
            await registry.aclose()
