import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from app.kit.schemas import CHECKED_ELSEWHERE, RequestSchema, ResponseSchema

MAX_ITEMS = 100_000
Outcome = Literal["pending", "propagated", "failed", "rejected"]


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
    total: int
    succeeded: int  # propagated
    failed: int  # failed at the provider, superseded, or rejected by a rule
    pending: int


class BulkTaskOut(ResponseSchema):
    id: uuid.UUID
    campaign_id: uuid.UUID
    operation: Literal["attach", "detach"]
    # pending: delegated to a provider (messaging profile) that has not taken it up yet
    status: Literal["pending", "processing", "completed", "failed"]
    counts: BulkCounts
    # why the task failed as a whole (assignment by messaging profile refused by the provider)
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
