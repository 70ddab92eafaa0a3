"""The one URL type of request bodies: where numlink sends webhooks (a number's
``status_url`` and ``inbound_url``, an endpoint's ``url``)."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

MAX_URL_LENGTH = 2048


def _http_url(value: str) -> str:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError("must not contain whitespace or control characters")
    parts = urlsplit(value)  # raises ValueError on a malformed IPv6 host
    # .port raises ValueError on a port that is not a number or is over 65535
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("must be an absolute http(s) URL")
    return value


WebhookUrl = Annotated[
    str,
    Field(
        max_length=MAX_URL_LENGTH,
        json_schema_extra={"format": "uri", "pattern": "^https?://[^/?#\\s]+[^\\s]*$"},
    ),
    AfterValidator(_http_url),
]
