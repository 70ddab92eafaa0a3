"""Object ids in paths: a malformed id is simply an object that does not exist."""

import uuid


def parse_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
