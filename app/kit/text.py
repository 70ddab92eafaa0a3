"""Which characters input strings may hold.

No input string may hold a control character (C0, DEL, C1) or a lone surrogate: PostgreSQL
cannot store NUL, and the others corrupt logs, headers and CSV files. Free text (labels,
descriptions, reasons) may keep tab and newline; identifiers, numbers and URLs may not.
"""

import re

# character classes written so Python and JSON Schema (ECMA) patterns read them alike
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CONTROL_BUT_TAB_AND_NEWLINE = r"\u0000-\u0008\u000b-\u001f\u007f-\u009f"
_SURROGATES = r"\ud800-\udfff"  # only Python strings can hold them
_FORBIDDEN = re.compile(f"[{_CONTROL}{_SURROGATES}]")
_FORBIDDEN_IN_FREE_TEXT = re.compile(f"[{_CONTROL_BUT_TAB_AND_NEWLINE}{_SURROGATES}]")
# the same rules for the OpenAPI document
NO_CONTROL_PATTERN = f"^[^{_CONTROL}]*$"
FREE_TEXT_PATTERN = f"^[^{_CONTROL_BUT_TAB_AND_NEWLINE}]*$"
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
