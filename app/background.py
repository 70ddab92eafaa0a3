"""The worker process's jobs: propagation to providers and delivery of status webhooks."""

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.kit.db import create_sessionmaker
from app.kit.secrets import SecretBox
from app.propagation.worker import PropagationWorker
from app.settings import Settings
from app.webhooks.delivery import WebhookDeliverer


async def run_background_work(engine: AsyncEngine, settings: Settings, stop: asyncio.Event) -> None:
    """Until ``stop`` is set; each job finishes what it has in flight before returning."""
    sessions = create_sessionmaker(engine)
    box = SecretBox(settings.secret_key_list())
    async with httpx.AsyncClient(follow_redirects=False) as http:
        await asyncio.gather(
            PropagationWorker(sessions, settings).run(stop),
            WebhookDeliverer(sessions, settings, box, http).run(stop),
        )
