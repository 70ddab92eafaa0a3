"""All ORM models, one module per domain. Every tenant table leads with ``org_id`` (and
``mode``) in its keys."""

from app.db.models.base import TS, Base, Mode, Timestamps, enum_values, metadata
from app.db.models.brands import Brand, BrandStatus, Campaign, CampaignStatus, IdentityStatus
from app.db.models.bulk import AuditFinding, BulkTask, BulkTaskItem, TaskListing
from app.db.models.events import Event
from app.db.models.idempotency import IdempotencyKey
from app.db.models.numbers import LineStatus, PhoneNumber, SyncPhase
from app.db.models.orgs import ApiKey, Org
from app.db.models.providers import (
    ProviderAccount,
    ProviderEvent,
    RateBucket,
    SandboxLink,
    SandboxNumber,
    SandboxObject,
)
from app.db.models.registration import RegistrationIntent
from app.db.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookSigningSecret

__all__ = [
    "TS",
    "ApiKey",
    "AuditFinding",
    "Base",
    "Brand",
    "BrandStatus",
    "BulkTask",
    "BulkTaskItem",
    "Campaign",
    "CampaignStatus",
    "Event",
    "IdempotencyKey",
    "IdentityStatus",
    "LineStatus",
    "Mode",
    "Org",
    "PhoneNumber",
    "ProviderAccount",
    "ProviderEvent",
    "RateBucket",
    "RegistrationIntent",
    "SandboxLink",
    "SandboxNumber",
    "SandboxObject",
    "SyncPhase",
    "TaskListing",
    "Timestamps",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookSigningSecret",
    "enum_values",
    "metadata",
]
