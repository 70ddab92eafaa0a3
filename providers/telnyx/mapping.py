"""Telnyx's statuses in numlink's terms."""

from providers.base import LinkState, LinkStatus

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


def assignment_link_status(status: str, campaign_id: str | None, failure: object) -> LinkStatus:
    """The link an ``assignmentStatus`` (a key of ASSIGNMENT) describes; ``failure`` is
    Telnyx's failure text, shown only for a failed operation."""
    state, targets_campaign = ASSIGNMENT[status]
    reason = f"telnyx: {failure or status}" if state is LinkState.FAILED else None
    return LinkStatus(state, campaign_id if targets_campaign else None, reason)


# Webhook payloads report a step (``type``) and its outcome (``status``) rather than the
# resource's status; these translate the pairs whose meaning is unambiguous into the status
# the API would report. Outcomes are upper-cased first (Telnyx sends "success" and "ACCEPTED").

# (type, status) of 10dlc.campaign.update → campaignStatus
CAMPAIGN_EVENT_STATUS: dict[tuple[str, str], str] = {
    ("REGISTRATION", "SUCCESS"): "TCR_ACCEPTED",
    ("REGISTRATION", "ACCEPTED"): "TCR_ACCEPTED",
    ("REGISTRATION", "FAILED"): "TCR_FAILED",
    ("REGISTRATION", "REJECTED"): "TCR_FAILED",
    ("TELNYX_REVIEW", "ACCEPTED"): "TELNYX_ACCEPTED",
    ("TELNYX_REVIEW", "SUCCESS"): "TELNYX_ACCEPTED",
    ("TELNYX_REVIEW", "REJECTED"): "TELNYX_FAILED",
    ("TELNYX_REVIEW", "FAILED"): "TELNYX_FAILED",
    ("MNO_REVIEW", "ACCEPTED"): "MNO_ACCEPTED",
    ("MNO_REVIEW", "REJECTED"): "MNO_REJECTED",
}

# (type, status) of 10dlc.phone_number.update → assignmentStatus; None: no campaign any more
NUMBER_EVENT_ASSIGNMENT: dict[tuple[str, str], str | None] = {
    ("ASSIGNMENT", "SUCCESS"): "ASSIGNED",
    ("ASSIGNMENT", "FAILED"): "FAILED_ASSIGNMENT",
    ("DELETION", "SUCCESS"): None,
    ("DELETION", "FAILED"): "FAILED_UNASSIGNMENT",
}

# (type, status) of 10dlc.brand.update → brand status (a key of BRAND_STATUS)
BRAND_EVENT_STATUS: dict[tuple[str, str], str] = {
    ("REGISTRATION", "SUCCESS"): "OK",
    ("REGISTRATION", "FAILED"): "REGISTRATION_FAILED",
}
