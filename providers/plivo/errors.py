"""Plivo's refusals, as the adapter's modules share them."""

from providers.base import ProviderRejectedError


class PlivoRejectedError(ProviderRejectedError):
    """A 4xx refusal; ``http_status`` tells account refusals from refusals of a request;
    ``errors``: Plivo's words per field of the request (Plivo's names), if it named any."""

    def __init__(self, reason: str, http_status: int, errors: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.http_status = http_status
        self.errors = errors or {}
