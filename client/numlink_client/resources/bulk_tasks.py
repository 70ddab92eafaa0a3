"""``client.bulk_tasks``: attach or detach many numbers to a campaign at once, read tasks
(also those of batch registration, sync and audits) and their items, wait for them."""

from collections.abc import Callable, Sequence

from numlink_client._flow import Call, Listing, Poll, body
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.tasks import (
    BulkDryRun,
    BulkItem,
    BulkRequest,
    BulkTask,
    ItemFilters,
)

NUMBERS_OF = "/v1/campaigns/{}/phone-numbers"
ATTACH = Route("POST", NUMBERS_OF, BulkTask, (BulkRequest,))
DETACH = Route("DELETE", NUMBERS_OF, BulkTask, (BulkRequest,))
ATTACH_DRY_RUN = Route("POST", NUMBERS_OF, BulkDryRun, (BulkRequest,))
DETACH_DRY_RUN = Route("DELETE", NUMBERS_OF, BulkDryRun, (BulkRequest,))
GET = Route("GET", "/v1/bulk-tasks/{}", BulkTask)
ITEMS = page_route("/v1/bulk-tasks/{}/items", BulkItem, ItemFilters)


def _request(
    numbers: Sequence[str] | None,
    phone_number_ids: Sequence[str] | None,
    messaging_profile_id: str | None,
    dry_run: bool,
) -> BulkRequest:
    return body(
        BulkRequest,
        numbers=None if numbers is None else list(numbers),
        phone_number_ids=None if phone_number_ids is None else list(phone_number_ids),
        messaging_profile_id=messaging_profile_id,
        dry_run=dry_run or None,
    )


class BulkTasks(Resource[Mode]):
    """Give exactly one of ``numbers`` (E.164), ``phone_number_ids`` or
    ``messaging_profile_id`` (Telnyx number pools, attach only)."""

    @endpoint
    def attach(
        self,
        campaign_id: str,
        *,
        numbers: Sequence[str] | None = None,
        phone_number_ids: Sequence[str] | None = None,
        messaging_profile_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call[BulkTask]:
        """Links up to 100,000 numbers to the campaign: a task, per-number results in
        ``items``."""
        request = _request(numbers, phone_number_ids, messaging_profile_id, False)
        return ATTACH.call(campaign_id, body=request, key=idempotency_key)

    @endpoint
    def detach(
        self,
        campaign_id: str,
        *,
        numbers: Sequence[str] | None = None,
        phone_number_ids: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> Call[BulkTask]:
        request = _request(numbers, phone_number_ids, None, False)
        return DETACH.call(campaign_id, body=request, key=idempotency_key)

    @endpoint
    def dry_run_attach(
        self,
        campaign_id: str,
        *,
        numbers: Sequence[str] | None = None,
        phone_number_ids: Sequence[str] | None = None,
    ) -> Call[BulkDryRun]:
        """What ``attach`` would do; changes nothing."""
        return ATTACH_DRY_RUN.call(
            campaign_id, body=_request(numbers, phone_number_ids, None, True)
        )

    @endpoint
    def dry_run_detach(
        self,
        campaign_id: str,
        *,
        numbers: Sequence[str] | None = None,
        phone_number_ids: Sequence[str] | None = None,
    ) -> Call[BulkDryRun]:
        return DETACH_DRY_RUN.call(
            campaign_id, body=_request(numbers, phone_number_ids, None, True)
        )

    @endpoint
    def get(self, task_id: str) -> Call[BulkTask]:
        return GET.call(task_id)

    @paginated
    def items(
        self, task_id: str, *, outcome: str | None = None, limit: int | None = None
    ) -> Listing[BulkItem]:
        """The task's per-number results (``outcome``: pending, propagated, failed,
        rejected, registered)."""
        return ITEMS.listing(task_id, outcome=outcome, limit=limit)

    @endpoint
    def wait(
        self,
        task_id: str,
        *,
        on_progress: Callable[[BulkTask], object] | None = None,
        timeout: float = 3600.0,
        interval: float = 2.0,
    ) -> Poll[BulkTask]:
        """Reads the task until it is ``completed`` or ``failed`` and returns it, calling
        ``on_progress(task)`` after each read; raises ``WaitTimeoutError`` after
        ``timeout`` seconds (the task goes on)."""
        return Poll(GET.call(task_id), lambda t: t.finished, timeout, interval, on_progress, "task")
