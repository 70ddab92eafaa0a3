"""Which registration fields a brand needs, by entity type (The Campaign Registry's rules,
the same for every provider): checked on registration and on the brand as a PATCH leaves it."""

from collections.abc import Mapping
from typing import Any

from app.kit.errors import ValidationFailed

_EVERY = ("entity_type", "display_name", "email", "country", "vertical")
_ADDRESS = ("street", "city", "state", "postal_code")
REQUIRED: dict[str, tuple[str, ...]] = {
    "PRIVATE_PROFIT": (*_EVERY, "company_name", "ein", *_ADDRESS),
    "PUBLIC_PROFIT": (*_EVERY, "company_name", "ein", *_ADDRESS, "stock_symbol", "stock_exchange"),
    "NON_PROFIT": (*_EVERY, "company_name", "ein", *_ADDRESS),
    "GOVERNMENT": (*_EVERY, "company_name", "ein", *_ADDRESS),
    "SOLE_PROPRIETOR": (*_EVERY, "first_name", "last_name", "phone", *_ADDRESS),
}
# a sole proprietor is a person: no tax id or listing
NOT_FOR: dict[str, tuple[str, ...]] = {
    "SOLE_PROPRIETOR": ("company_name", "ein", "stock_symbol", "stock_exchange"),
}


def check_brand_fields(fields: Mapping[str, Any], *, imported: bool = False) -> None:
    """422 VALIDATION_FAILED naming every missing or misplaced field."""
    entity = fields.get("entity_type")
    if entity is None:
        raise ValidationFailed(details={"entity_type": "required"})
    details = {
        name: f"required for {entity} brands"
        + (" (this brand was imported: numlink does not know it)" if imported else "")
        for name in REQUIRED[entity]
        if fields.get(name) is None
    }
    details.update(
        {
            name: f"not used for {entity} brands"
            for name in NOT_FOR.get(entity, ())
            if fields.get(name)
        }
    )
    if details:
        raise ValidationFailed(details=details)
