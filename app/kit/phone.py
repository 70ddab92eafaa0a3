"""E.164 parsing and 10DLC eligibility, by libphonenumber."""

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

# ASCII digits only (``\d`` takes any Unicode digit), and matched whole (``$`` would let a
# trailing newline through): use ``is_e164``, never ``.match``.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
E164_JSON_PATTERN = r"^\+[1-9][0-9]{6,14}$"  # the same, for JSON Schema (and migration 0006)
_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "local",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
NUMBER_TYPES: tuple[str, ...] = (*dict.fromkeys(_TYPES.values()), "unknown")
LONG_CODE_TYPES = ("local", "mobile")


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    e164: str
    region_code: str | None
    number_type: str

    @property
    def is_us_long_code(self) -> bool:
        return self.region_code == "US" and self.number_type in LONG_CODE_TYPES


def is_e164(raw: str) -> bool:
    """Exactly ``+`` and 7-15 ASCII digits, the first not 0: nothing before or after."""
    return _E164.fullmatch(raw) is not None


def parse_e164(raw: str) -> ParsedNumber:
    """Accept exactly E.164 (``+`` and 7-15 digits) that libphonenumber knows to be valid."""
    if not is_e164(raw):
        raise ValueError("must be E.164, e.g. +14155552671")
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"must be E.164: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    return ParsedNumber(
        e164=raw,
        region_code=phonenumbers.region_code_for_number(parsed),
        number_type=_TYPES.get(phonenumbers.number_type(parsed), "unknown"),
    )


# North American numbers: libphonenumber's patterns for +1 decide region, validity and type by
# the area code and exchange (the first seven digits) alone, so numbers listed by a provider
# (sorted, thousands per exchange) are classified once per exchange. A bounded memo.
_NANP_PREFIX = 8  # "+1" and seven digits
_EXCHANGES: dict[str, tuple[str | None, str] | None] = {}
_EXCHANGES_MAX = 100_000


def parse_listed(raw: str) -> ParsedNumber:
    """``parse_e164`` for numbers read in bulk (an account's listing); the same answers."""
    if not (raw.startswith("+1") and len(raw) == 12 and is_e164(raw)):
        return parse_e164(raw)
    key = raw[:_NANP_PREFIX]
    if key not in _EXCHANGES:
        if len(_EXCHANGES) >= _EXCHANGES_MAX:
            _EXCHANGES.clear()
        try:
            parsed = parse_e164(raw)
        except ValueError:
            _EXCHANGES[key] = None
            raise
        _EXCHANGES[key] = (parsed.region_code, parsed.number_type)
        return parsed
    known = _EXCHANGES[key]
    if known is None:
        raise ValueError("not a valid phone number")
    return ParsedNumber(e164=raw, region_code=known[0], number_type=known[1])
