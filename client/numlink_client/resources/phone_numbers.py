"""``client.phone_numbers``: register, list, change, attach and detach numbers; the account's
inventory (sync, batch registration, refresh); waiting until a change has propagated."""

from collections.abc import Sequence
from typing import Unpack

from numlink_client._flow import Call, Listing, Poll, body
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.numbers import (
    AttachCampaign,
    BatchRegister,
    NumberFilters,
    NumberRegister,
    NumberUpdate,
    NumberUpdateFields,
    PhoneNumber,
    SyncRequest,
)
from numlink_client.models.tasks import BulkTask

NUMBER = "/v1/phone-numbers/{}"
CREATE = Route("POST", "/v1/phone-numbers", PhoneNumber, (NumberRegister,))
LIST = page_route("/v1/phone-numbers", PhoneNumber, NumberFilters)
GET = Route("GET", NUMBER, PhoneNumber)
UPDATE = Route("PATCH", NUMBER, PhoneNumber, (NumberUpdate,))
DELETE = Route("DELETE", NUMBER, PhoneNumber)
REFRESH = Route("POST", NUMBER + "/refresh", PhoneNumber)
ATTACH = Route("POST", NUMBER + "/campaign", PhoneNumber, (AttachCampaign,))
DETACH = Route("DELETE", NUMBER + "/campaign", PhoneNumber)
SYNC = Route("POST", "/v1/phone-numbers/sync", BulkTask, (SyncRequest,))
BATCH = Route("POST", "/v1/phone-numbers/batch", BulkTask, (BatchRegister,))


class PhoneNumbers(Resource[Mode]):
    @endpoint
    def create(
        self,
        *,
        number: str,
        provider: str,
        label: str | None = None,
        inbound_url: str | None = None,
        status_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call[PhoneNumber]:
        """Registers a number the org holds at ``provider`` (E.164)."""
        request = body(
            NumberRegister, number=number, provider=provider, label=label,
            inbound_url=inbound_url, status_url=status_url,
        )  # fmt: skip
        return CREATE.call(body=request, key=idempotency_key)

    @paginated
    def list(self, **filters: Unpack[NumberFilters]) -> Listing[PhoneNumber]:
        """Every number matching the filters, newest first, fetched page by page."""
        return LIST.listing(**filters)

    @endpoint
    def get(self, number_id: str) -> Call[PhoneNumber]:
        return GET.call(number_id)

    @endpoint
    def update(
        self,
        number_id: str,
        *,
        idempotency_key: str | None = None,
        **fields: Unpack[NumberUpdateFields],
    ) -> Call[PhoneNumber]:
        """Changes the fields given; ``campaign_id`` goes through the attach rules (``None``
        detaches)."""
        return UPDATE.call(number_id, body=NumberUpdate(**fields), key=idempotency_key)

    @endpoint
    def delete(self, number_id: str, *, idempotency_key: str | None = None) -> Call[PhoneNumber]:
        """Stops managing the number (it stays at the provider)."""
        return DELETE.call(number_id, key=idempotency_key)

    @endpoint
    def refresh(self, number_id: str, *, idempotency_key: str | None = None) -> Call[PhoneNumber]:
        """Re-reads the number from its provider now."""
        return REFRESH.call(number_id, key=idempotency_key)

    @endpoint
    def attach(
        self, number_id: str, *, campaign_id: str, idempotency_key: str | None = None
    ) -> Call[PhoneNumber]:
        """Links the number to the campaign (the ordered attach rules; ``pending`` until the
        provider confirms)."""
        return ATTACH.call(
            number_id, body=AttachCampaign(campaign_id=campaign_id), key=idempotency_key
        )

    @endpoint
    def detach(self, number_id: str, *, idempotency_key: str | None = None) -> Call[PhoneNumber]:
        """Unlinks the number's campaign (idempotent)."""
        return DETACH.call(number_id, key=idempotency_key)

    @endpoint
    def wait_until_settled(
        self, number_id: str, *, timeout: float = 300.0, interval: float = 2.0
    ) -> Poll[PhoneNumber]:
        """Reads the number until its ``carrier_line_option_status`` is no longer
        ``pending`` (``propagated``, ``failed`` or ``None``) and returns it; raises
        ``WaitTimeoutError`` after ``timeout`` seconds."""
        return Poll(GET.call(number_id), lambda n: n.settled, timeout, interval, what="number")

    @endpoint
    def sync(self, *, provider: str, idempotency_key: str | None = None) -> Call[BulkTask]:
        """Imports and refreshes every number of the org's account at ``provider``: a task
        (``client.bulk_tasks.wait`` it)."""
        return SYNC.call(body=SyncRequest(provider=provider), key=idempotency_key)

    @endpoint
    def create_batch(
        self,
        *,
        provider: str,
        numbers: Sequence[str],
        label: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call[BulkTask]:
        """Registers up to 10,000 numbers at once: a task with one item per number."""
        request = body(BatchRegister, provider=provider, numbers=list(numbers), label=label)
        return BATCH.call(body=request, key=idempotency_key)
