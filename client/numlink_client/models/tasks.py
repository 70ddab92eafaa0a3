"""Tasks (bulk attach and detach, batch registration, sync), their items, and audits."""

from datetime import datetime
from typing import TypedDict

from numlink_client.models.base import ApiObject, RequestBody


class BulkCounts(ApiObject):
    """attach, detach and register tasks."""

    total: int
    succeeded: int
    failed: int
    pending: int


class SyncCounts(ApiObject):
    seen: int
    added: int
    updated: int
    released: int


class AuditCounts(ApiObject):
    total: int
    missing_at_provider: int
    unknown_to_numlink: int
    wrong_campaign: int
    status_mismatch: int
    not_on_campaign: int
    repaired: int


class BulkTask(ApiObject):
    """One task resource for bulk attach and detach, batch registration, sync and audits;
    ``counts`` has the shape of its ``operation``."""

    id: str
    operation: str  # attach, detach, register, sync, audit
    campaign_id: str | None = None
    provider: str | None = None
    status: str  # pending, processing, completed, failed
    counts: BulkCounts | SyncCounts | AuditCounts
    error: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


FINISHED = ("completed", "failed")  # statuses after which a task or audit changes no more


class BulkItem(ApiObject):
    number: str
    phone_number_id: str | None = None
    outcome: str  # pending, propagated, failed, rejected, registered
    error_code: str | None = None
    error: str | None = None


class DryRunCounts(ApiObject):
    total: int
    would_change: int
    unchanged: int
    rejected: int


class BulkDryRun(ApiObject):
    """What a bulk request would do; nothing was changed."""

    dry_run: bool = True
    operation: str
    counts: DryRunCounts
    rejected_items: list[BulkItem]


class Audit(ApiObject):
    id: str
    status: str
    campaign_id: str | None = None
    provider: str
    messaging_profile_id: str | None = None
    repair: bool
    counts: AuditCounts
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Finding(ApiObject):
    number: str
    phone_number_id: str | None = None
    kind: str
    numlink_campaign_id: str | None = None
    provider_campaign_id: str | None = None
    repaired: bool


class ItemFilters(TypedDict, total=False):
    outcome: str
    limit: int


class FindingFilters(TypedDict, total=False):
    kind: str
    limit: int


class BulkRequest(RequestBody):
    phone_number_ids: list[str] | None = None
    numbers: list[str] | None = None
    messaging_profile_id: str | None = None
    dry_run: bool = False


class AuditRequest(RequestBody):
    campaign_id: str | None = None
    provider: str | None = None
    messaging_profile_id: str | None = None
    repair: bool = False


class InventoryChange(ApiObject):
    numbers: int


class ProviderLink(ApiObject):
    number: str
    provider_campaign_id: str | None = None
