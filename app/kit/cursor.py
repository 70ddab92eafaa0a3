"""Opaque list cursors: a position (an id, or a sequence number) encoded so clients cannot read
or forge meaning into it. One codec for every list."""

import base64
import binascii
import uuid

from app.kit.errors import ValidationFailed

_ID, _SEQ = b"nl1:", b"nls1:"
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"  # what encode_cursor writes (unpadded base64url)


def encode_cursor(position: uuid.UUID | int) -> str:
    raw = _ID + position.bytes if isinstance(position, uuid.UUID) else _SEQ + b"%d" % position
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id_cursor(cursor: str) -> uuid.UUID:
    raw = _raw(cursor)
    if raw.startswith(_ID) and len(raw) == len(_ID) + 16:
        return uuid.UUID(bytes=raw[len(_ID) :])
    raise _invalid()


def decode_seq_cursor(cursor: str) -> int:
    raw = _raw(cursor)
    digits = raw[len(_SEQ) :]
    if raw.startswith(_SEQ) and digits.isdigit() and len(digits) <= 18:
        return int(digits)
    raise _invalid()


def _raw(cursor: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        return b""


def _invalid() -> ValidationFailed:
    return ValidationFailed(details={"cursor": "invalid cursor"})
