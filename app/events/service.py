"""Reading the feed. Nothing here writes: an event is written by the change it records."""

import uuid

from app.events.repository import EventRepository
from app.events.schemas import EventOut


async def get_event(repo: EventRepository, event_id: uuid.UUID | None) -> EventOut:
    """Another org's or mode's event is 404 like a missing one."""
    return EventOut.of(await repo.get_or_404(event_id))
