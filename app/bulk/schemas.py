import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from app.kit.schemas import CHECKED_ELSEWHERE, RequestSchema, ResponseSchema

MAX_ITEMS = 100_000
Outcome = Literal["pending", "propagated", "failed", "rejected", "registered"]
TaskOperation = Literal["attach", "detach", "register", "sync", "audit"]
TaskStatus = Literal["pending", "processing", "completed", "failed"]


class BulkRequest(RequestSchema):
    """Exactly one of ``phone_number_ids``, ``numbers`` (E.164) or ``messaging_profile_id``.
    Items that are not strings are rejected one by one, like any other bad item.
    ``messaging_profile_id`` (live campaigns of a provider that assigns by messaging profile,
    attach only) has the provider link every number on that profile; the task's items are
    known once the provider's own task has finished."""

    phone_number_ids: Annotated[list[Any], CHECKED_ELSEWHERE] | None = None
    numbers: Annotated[list[Any], CHECKED_ELSEWHERE] | None = None
    messaging_profile_id: str | None = Field(default=None, min_length=1, max_length=128)
    dry_run: bool = False


class BulkCounts(ResponseSchema):
    """attach, detach and register."""

    total: int
    succeeded: int  # propagated (attach, detach) or registered
    failed: int  # failed at the provider, superseded, or rejected by a rule
    pending: int


class SyncCounts(ResponseSchema):
    """sync: numbers listed by the provider, new to numlink, changed, and gone from the account."""

    seen: int
    added: int
    updated: int
    released: int


class AuditCounts(ResponseSchema):
    """audit: findings, by kind, and how many were repaired."""

    total: int
    missing_at_provider: int
    unknown_to_numlink: int
    wrong_campaign: int
    status_mismatch: int
    not_on_campaign: int
    repaired: int


class BulkTaskOut(ResponseSchema):
    """One task resource for bulk attach and detach, batch registration, sync and audits."""

    id: uuid.UUID
    operation: TaskOperation
    campaign_id: uuid.UUID | None  # attach, detach and audits by campaign
    provider: str | None  # register, sync and audits by provider
    # pending: not taken up yet (by a worker, or by the provider for a messaging profile)
    status: TaskStatus
    counts: BulkCounts | SyncCounts | AuditCounts  # which one: see ``operation``
    # why the task failed as a whole (e.g. the provider refused or kept failing)
    error: str | None
    created_at: datetime
    updated_at: datetime


class BulkItemOut(ResponseSchema):
    number: str
    phone_number_id: uuid.UUID | None
    outcome: Outcome
    error_code: str | None
    error: str | None


class DryRunCounts(ResponseSchema):
    total: int
    would_change: int
    unchanged: int
    rejected: int


class BulkDryRunOut(ResponseSchema):
    dry_run: Literal[True] = True
    operation: Literal["attach", "detach"]
    counts: DryRunCounts
    rejected_items: list[BulkItemOut]  # the first 1,000, in request order
