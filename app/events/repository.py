"""The feed's queries, tenant-scoped. Events are written by the changes themselves
(``app.events.statements``, ``app.events.recorder``)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from app.db.models import Event
from app.db.tenancy import TenantRepository
from app.events.types import EventType


class EventRepository(TenantRepository[Event]):
    model = Event
    noun = "event"

    def list_query(
        self,
        *,
        event_type: EventType | None = None,
        resource_id: uuid.UUID | None = None,
        created_after: datetime | None = None,
    ) -> Select[Any]:
        stmt = self.scoped(select(Event))
        if event_type is not None:
            stmt = stmt.where(Event.type == event_type.value)
        if resource_id is not None:
            stmt = stmt.where(Event.resource_id == resource_id)
        if created_after is not None:
            stmt = stmt.where(Event.created_at > created_after)
        return stmt
