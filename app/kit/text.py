"""Which characters input strings may hold.

No input string may hold a control character (C0, DEL, C1) or a lone surrogate: PostgreSQL
cannot store NUL, and the others corrupt logs, headers and CSV files. Free text (labels,
descriptions, reasons) may keep tab and newline; identifiers, numbers and URLs may not.
"""

import re

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTERS = "must not contain control characters"
CONTROL_CHARACTERS_IN_FREE_TEXT = "must not contain control characters other than tab and newline"


def control_character_problem(value: str, *, free_text: bool = False) -> str | None:
    """What is wrong with ``value``, naming its first forbidden character, or None."""
    found = (_FORBIDDEN_IN_FREE_TEXT if free_text else _FORBIDDEN).search(value)
    if found is None:
        return None
    rule = CONTROL_CHARACTERS_IN_FREE_TEXT if free_text else CONTROL_CHARACTERS
    return f"{rule} (found U+{ord(found.group()):04X} at position {found.start()})"


def printable(value: str) -> str:
    """``value`` with its forbidden characters written as ``\\uXXXX``, safe to show."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
