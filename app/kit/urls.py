"""The one URL type of request bodies: where numlink sends webhooks (a number's
``status_url`` and ``inbound_url``, an endpoint's ``url``), and which addresses such a URL may
reach."""

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

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


# --- addresses a webhook may be sent to -------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: where the IPv4 sits varies
# prefixes that only route to the IPv4 address they carry: that address decides
_TRANSLATED = (ipaddress.IPv6Network("::ffff:0:0/96"), _NAT64)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: IPv4-mapped and -compatible, 6to4
    (2002::/16), Teredo (2001::/32: server and client) and NAT64 (64:ff9b::/96)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        found.append(low32)
    return found


def address_refusal(address: Address) -> str | None:
    """Why ``address`` is not a public one, or None if it is. An IPv6 address carrying a
    non-public IPv4 address (``2002:7f00:1::`` is 127.0.0.1 over 6to4) is refused for it."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "non-public (local-use NAT64)"
        for inner in embedded_ipv4(address):
            reason = address_refusal(inner)
            if reason is not None:
                return f"{reason} (embedded {inner})"
        if any(address in prefix for prefix in _TRANSLATED):
            return None  # a route to the public IPv4 address it carries
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),  # e.g. shared address space 100.64.0.0/10
    )
    return next((label for label, matches in checks if matches), None)


def pinned_url(url: str, address: Address) -> str:
    """``url`` with its host replaced by ``address`` (port, path and query kept), so a client
    connects to that address and no other; the caller sends the original ``Host`` header."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    netloc = f"{userinfo}@{netloc}" if userinfo else netloc
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def host_header(url: str) -> str:
    """The ``Host`` header a client would send for ``url`` (credentials dropped)."""
    return urlsplit(url).netloc.rpartition("@")[2]
