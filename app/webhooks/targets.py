"""Where webhooks may be sent, and the address a delivery connects to.

In live mode a target whose host is, or resolves to, a non-public address is refused (see
``app.kit.urls.address_refusal``: private, loopback, link-local, multicast, reserved,
unspecified, and such addresses carried inside IPv6 by 6to4, Teredo, NAT64 or IPv4-mapped
forms), so a tenant cannot make the gateway call into its own network.

Checked when a URL is saved and again before each delivery. A delivery resolves the host once,
checks every address, and connects to the address it checked (``Destination``): the request
goes to that IP with the original ``Host`` header and TLS server name, so a DNS answer that
changes between the check and the connection (rebinding) is never used.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.db.models import Mode
from app.kit.urls import Address, address_refusal, host_header, pinned_url

__all__ = ["Address", "BlockedTarget", "Destination", "TargetRefused", "UnresolvedTarget"]
from app.settings import Settings

RESOLVE_TIMEOUT_S = 5.0


class TargetRefused(Exception):
    """The URL may not be used as a webhook target; the message says why (safe to show)."""


class BlockedTarget(TargetRefused):
    """The host is, or resolves to, a non-public address: a lasting refusal."""


class UnresolvedTarget(TargetRefused):
    """The host name does not resolve now: may pass later."""


@dataclass(frozen=True, slots=True)
class Destination:
    """What a delivery sends its request to: ``url`` (the checked address in place of the
    host when pinned), extra ``headers`` (``Host``) and httpx request ``extensions`` (the TLS
    server name, so the certificate is checked for the original host)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def pinned(self) -> bool:
        return bool(self.headers)


async def resolve(host: str, port: int) -> list[Address]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        raise UnresolvedTarget(f"host {host!r} does not resolve") from None
    # an IPv6 address may carry a zone ("fe80::1%eth0")
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def public_addresses(url: str) -> list[Address]:
    """The URL's host addresses, resolved once; TargetRefused unless every one is public."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise BlockedTarget("URL has no host")
    try:
        addresses: list[Address] = [ipaddress.ip_address(host)]
    except ValueError:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await resolve(host, port)
    if not addresses:
        raise UnresolvedTarget(f"host {host!r} does not resolve")
    for address in addresses:  # refuse if ANY is private: a client may pick any of them
        reason = address_refusal(address)
        if reason is not None:
            raise BlockedTarget(f"host resolves to a {reason} address ({address})")
    return addresses


async def check_public(url: str) -> None:
    """Raises TargetRefused unless every address of the URL's host is public."""
    await public_addresses(url)


def pin(url: str, address: Address) -> Destination:
    """Connect to ``address`` and nothing else, as if to ``url``'s host."""
    parts = urlsplit(url)
    extensions: dict[str, Any] = {}
    headers = {"host": host_header(url)}
    if parts.scheme == "https":
        extensions["sni_hostname"] = parts.hostname
        # a TLS connection is checked for one host name: never reuse it for another one
        # that happens to share the address
        headers["connection"] = "close"
    return Destination(pinned_url(url, address), headers, extensions)


def is_restricted(mode: Mode | str, settings: Settings) -> bool:
    return Mode(mode) is Mode.LIVE and settings.webhook_block_private


async def ensure_allowed(url: str, mode: Mode | str, settings: Settings) -> Destination:
    """The rule for any webhook target (endpoints, numbers' status_url): public hosts only in
    live mode when ``webhook_block_private`` is set, and then the request is pinned to the
    address checked; anything goes in test mode (a receiver on localhost works)."""
    if not is_restricted(mode, settings):
        return Destination(url)
    addresses = await public_addresses(url)
    return pin(url, addresses[0])
