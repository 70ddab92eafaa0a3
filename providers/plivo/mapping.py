"""Plivo's statuses in numlink's terms.

Plivo upper-cases statuses in API answers but its list filters spell them ``Active``,
``Processing``..., so lookups go through ``.upper()``.
"""

from providers.base import LinkState

# campaign ``registration_status`` → numlink campaign status. Plivo lists ACTIVE, PROCESSING,
# FAILED and EXPIRED; the others are TCR states a campaign can also be reported in.
CAMPAIGN_STATUS: dict[str, str] = {
    "PROCESSING": "PENDING",
    "PENDING": "PENDING",
    "ACTIVE": "ACTIVE",
    "COMPLETED": "ACTIVE",
    "EXPIRED": "EXPIRED",
    "DEACTIVATED": "DEACTIVATED",
    "FAILED": "REJECTED",
    "REJECTED": "REJECTED",
    "SUSPENDED": "SUSPENDED",
}

# brand ``registration_status`` → numlink brand status (the values Telnyx's brands map to)
BRAND_STATUS: dict[str, str] = {
    "PROCESSING": "PENDING",
    "COMPLETED": "ACTIVE",
    "FAILED": "FAILED",
}

# A registered brand whose secondary vetting passed carries ``vetting_status`` ACTIVE.
VETTED = "ACTIVE"

# per-number status of a campaign link → numlink link state
NUMBER_LINK: dict[str, LinkState] = {
    "PROCESSING": LinkState.PENDING,
    "COMPLETED": LinkState.LINKED,
    "FAILED": LinkState.FAILED,
}


def brand_identity(registration_status: str, vetting_status: str | None) -> str:
    """TCR identity status: Plivo reports registration and vetting, not identity itself."""
    if registration_status.upper() != "COMPLETED":
        return "UNVERIFIED"
    if (vetting_status or "").upper() == VETTED:
        return "VETTED_VERIFIED"
    return "VERIFIED"


# Status callbacks of a link request use the callback vocabulary (created, success, failed);
# accept the API's per-number statuses too.
LINK_CALLBACK: dict[str, LinkState] = {
    **NUMBER_LINK,
    "CREATED": LinkState.PENDING,
    "SUCCESS": LinkState.LINKED,
}

# Status callbacks of an unlink request (``endpoint`` number_unlinking).
UNLINK_CALLBACK: dict[str, LinkState] = {
    "CREATED": LinkState.PENDING,
    "PROCESSING": LinkState.PENDING,
    "SUCCESS": LinkState.UNLINKED,
    "COMPLETED": LinkState.UNLINKED,
    "FAILED": LinkState.FAILED,
}
