"""Telnyx's statuses in numlink's terms."""

from providers.base import LinkState

# campaignStatus → numlink campaign status. Numbers can be assigned once Telnyx has accepted
# the campaign; carrier (MNO) review then runs alongside the assignment.
CAMPAIGN_STATUS: dict[str, str] = {
    "TCR_PENDING": "PENDING",
    "TCR_ACCEPTED": "PENDING",
    "TELNYX_ACCEPTED": "ACTIVE",
    "MNO_PENDING": "ACTIVE",
    "MNO_ACCEPTED": "ACTIVE",
    "MNO_PROVISIONED": "ACTIVE",
    "TCR_SUSPENDED": "SUSPENDED",
    "TCR_EXPIRED": "EXPIRED",
    "TCR_FAILED": "REJECTED",
    "TELNYX_FAILED": "REJECTED",
    "MNO_REJECTED": "REJECTED",
    "MNO_PROVISIONING_FAILED": "REJECTED",
}

# brand status → numlink brand status
BRAND_STATUS: dict[str, str] = {
    "OK": "ACTIVE",
    "REGISTRATION_PENDING": "PENDING",
    "REGISTRATION_FAILED": "FAILED",
}

IDENTITY_STATUSES = frozenset({"UNVERIFIED", "SELF_DECLARED", "VERIFIED", "VETTED_VERIFIED"})

# assignmentStatus → (state, whether the operation's target is the campaign or none)
ASSIGNMENT: dict[str, tuple[LinkState, bool]] = {
    "ASSIGNED": (LinkState.LINKED, True),
    "PENDING_ASSIGNMENT": (LinkState.PENDING, True),
    "FAILED_ASSIGNMENT": (LinkState.FAILED, True),
    "PENDING_UNASSIGNMENT": (LinkState.PENDING, False),
    "FAILED_UNASSIGNMENT": (LinkState.FAILED, False),
}
