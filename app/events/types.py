"""The catalogue of event types and the resources they are about."""

from enum import StrEnum


class EventType(StrEnum):
    PHONE_NUMBER_CAMPAIGN_CHANGED = "phone_number.campaign.changed"
    PHONE_NUMBER_LINE_OPTION_UPDATED = "phone_number.carrier_line_option.updated"
    PHONE_NUMBER_ASSIGNMENT_CHANGED = "phone_number.assignment.changed"
    PHONE_NUMBER_CREATED = "phone_number.created"
    PHONE_NUMBER_DELETED = "phone_number.deleted"
    BRAND_UPDATED = "brand.updated"
    CAMPAIGN_UPDATED = "campaign.updated"
    BULK_TASK_COMPLETED = "bulk_task.completed"
    AUDIT_COMPLETED = "audit.completed"


class ResourceType(StrEnum):
    PHONE_NUMBER = "phone_number"
    BRAND = "brand"
    CAMPAIGN = "campaign"
    BULK_TASK = "bulk_task"
    AUDIT = "audit"


RESOURCE_OF: dict[EventType, ResourceType] = {
    t: ResourceType(t.value.split(".")[0]) for t in EventType
}

# Also delivered to the number's own status_url: its link and status changes.
STATUS_URL_TYPES = frozenset(
    {EventType.PHONE_NUMBER_CAMPAIGN_CHANGED, EventType.PHONE_NUMBER_LINE_OPTION_UPDATED}
)
