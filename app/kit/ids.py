"""Object ids: time-ordered UUIDs, and path ids that may be malformed."""

import uuid

from ulid import ULID


def new_id() -> uuid.UUID:
    """Time-ordered UUID (a ULID's bytes): ids sort by creation time, so lists page by id."""
    return ULID().to_uuid()


def parse_id(raw: str) -> uuid.UUID | None:
    """A malformed id in a path is simply an object that does not exist: None."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
