"""Phone numbers, and the bodies and filters of their operations."""

from datetime import datetime
from typing import TypedDict

from numlink_client.models.base import ApiObject, RequestBody


class PhoneNumber(ApiObject):
    """A number the org manages. ``carrier_line_option_status`` is ``None`` (nothing to do),
    ``"pending"``, ``"propagated"`` or ``"failed"`` (reason in
    ``carrier_line_option_error``)."""

    id: str
    number: str
    number_type: str
    provider: str
    inbound_url: str | None = None
    status_url: str | None = None
    label: str | None = None
    campaign_id: str | None = None
    campaign_status: str | None = None
    carrier_line_option_status: str | None = None
    carrier_line_option_propagated_at: datetime | None = None
    carrier_line_option_error: str | None = None
    assigned: bool
    sms_enabled: bool
    mms_enabled: bool
    messaging_profile_id: str | None = None
    released_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def settled(self) -> bool:
        """Nothing is on its way to the provider: propagated, failed, or nothing to do."""
        return self.carrier_line_option_status != "pending"


class NumberRegister(RequestBody):
    number: str
    provider: str
    label: str | None = None
    inbound_url: str | None = None
    status_url: str | None = None


class NumberUpdate(RequestBody):
    inbound_url: str | None = None
    status_url: str | None = None
    label: str | None = None
    campaign_id: str | None = None  # None detaches


class NumberUpdateFields(TypedDict, total=False):
    """The keyword arguments of ``phone_numbers.update``: only those given are sent."""

    inbound_url: str | None
    status_url: str | None
    label: str | None
    campaign_id: str | None


class AttachCampaign(RequestBody):
    campaign_id: str


class NumberFilters(TypedDict, total=False):
    """Filters of ``phone_numbers.list``; ``limit`` is the page size (1-100)."""

    campaign_id: str
    number_type: str
    carrier_line_option_status: str
    provider: str
    number: str
    label: str
    assigned: bool
    messaging_profile_id: str
    limit: int


class SyncRequest(RequestBody):
    provider: str


class BatchRegister(RequestBody):
    provider: str
    numbers: list[str]
    label: str | None = None
