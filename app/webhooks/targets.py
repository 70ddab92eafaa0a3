"""Where webhooks may be sent. In live mode a target whose host resolves to a private,
loopback, link-local, multicast, reserved or unspecified address is refused, so a tenant
cannot make the gateway call into its own network.

Checked when a URL is saved and again before each delivery: DNS can change in between.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.db.models import Mode
from app.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT_S = 5.0


class TargetRefused(Exception):
    """The URL may not be used as a webhook target; the message says why (safe to show)."""


class BlockedTarget(TargetRefused):
    """The host is, or resolves to, a non-public address: a lasting refusal."""


class UnresolvedTarget(TargetRefused):
    """The host name does not resolve now: may pass later."""


def refusal(address: Address) -> str | None:
    """Why ``address`` is not a public one, or None if it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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


async def resolve(host: str, port: int) -> list[Address]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        raise UnresolvedTarget(f"host {host!r} does not resolve") from None
    # an IPv6 address may carry a zone ("fe80::1%eth0")
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_public(url: str) -> None:
    """Raises TargetRefused unless every address of the URL's host is public."""
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
    for address in addresses:  # refuse if ANY is private: the client may pick any of them
        reason = refusal(address)
        if reason is not None:
            raise BlockedTarget(f"host resolves to a {reason} address ({address})")


def is_restricted(mode: Mode | str, settings: Settings) -> bool:
    return Mode(mode) is Mode.LIVE and settings.webhook_block_private


async def ensure_allowed(url: str, mode: Mode | str, settings: Settings) -> None:
    """The rule for any webhook target (endpoints, numbers' status_url): public hosts only in
    live mode when ``webhook_block_private`` is set; anything goes in test mode."""
    if is_restricted(mode, settings):
        await check_public(url)
