"""``client.audits``: compare what a provider holds with numlink, and repair drift."""

from collections.abc import Callable

from numlink_client._flow import Call, Listing, Poll, body
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.tasks import Audit, AuditRequest, Finding, FindingFilters

CREATE = Route("POST", "/v1/audits", Audit, (AuditRequest,))
GET = Route("GET", "/v1/audits/{}", Audit)
FINDINGS = page_route("/v1/audits/{}/findings", Finding, FindingFilters)


class Audits(Resource[Mode]):
    @endpoint
    def create(
        self,
        *,
        campaign_id: str | None = None,
        provider: str | None = None,
        messaging_profile_id: str | None = None,
        repair: bool = False,
        idempotency_key: str | None = None,
    ) -> Call[Audit]:
        """Audits one campaign, or every campaign of ``provider``; with
        ``messaging_profile_id``, every number of that pool must be on ``campaign_id``.
        ``repair=True`` brings the numbers back to numlink's state."""
        request = body(
            AuditRequest, campaign_id=campaign_id, provider=provider,
            messaging_profile_id=messaging_profile_id, repair=repair or None,
        )  # fmt: skip
        return CREATE.call(body=request, key=idempotency_key)

    @endpoint
    def get(self, audit_id: str) -> Call[Audit]:
        return GET.call(audit_id)

    @paginated
    def findings(
        self, audit_id: str, *, kind: str | None = None, limit: int | None = None
    ) -> Listing[Finding]:
        return FINDINGS.listing(audit_id, kind=kind, limit=limit)

    @endpoint
    def wait(
        self,
        audit_id: str,
        *,
        on_progress: Callable[[Audit], object] | None = None,
        timeout: float = 3600.0,
        interval: float = 2.0,
    ) -> Poll[Audit]:
        """Reads the audit until it is ``completed`` or ``failed`` and returns it."""
        return Poll(
            GET.call(audit_id), lambda a: a.finished, timeout, interval, on_progress, "audit"
        )
