"""Bulk assignment by messaging profile: Telnyx links every number on a messaging profile to
one campaign in a background task, which is polled by its id."""

from dataclasses import dataclass
from enum import StrEnum


class ProfileTaskStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ProfileTask:
    task_id: str
    status: ProfileTaskStatus

    @property
    def finished(self) -> bool:
        return self.status in (ProfileTaskStatus.COMPLETED, ProfileTaskStatus.FAILED)


@dataclass(frozen=True, slots=True)
class ProfileTaskNumber:
    """One number of a bulk task. ``status`` is Telnyx's own word (e.g. ``pending``): the API
    does not enumerate it, so it is passed on as given."""

    number: str
    status: str
    reason: str | None = None
