import uuid
from datetime import datetime
from typing import Any

from app.db.models import Event
from app.events.types import EventType, ResourceType
from app.kit.schemas import ResponseSchema


class ResourceRef(ResponseSchema):
    type: ResourceType
    id: uuid.UUID


class EventOut(ResponseSchema):
    """What the feed shows and what a webhook endpoint receives."""

    id: uuid.UUID
    type: EventType
    created_at: datetime
    resource: ResourceRef
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> "EventOut":
        resource = ResourceRef(type=ResourceType(event.resource_type), id=event.resource_id)
        return cls(
            id=event.id,
            type=EventType(event.type),
            created_at=event.created_at,
            resource=resource,
            data=event.data,
        )
