"""Which webhook targets may be called: only http(s) to public addresses.

Refused: other schemes, credentials in the URL, and any address that is not globally routable
(private, loopback, link-local, CGNAT, multicast, reserved, unspecified, documentation, and the
IPv4 inside IPv4-mapped / NAT64 / 6to4 IPv6 forms). A host name is resolved and EVERY answer
checked (one bad answer refuses the URL: DNS rebinding between check and connect is closed by
connecting to the checked address, `Target.address`). Redirects are not followed (webhook.py).
`allow_private` (WEBHOOK_ALLOW_PRIVATE: self-hosted use, tests) lets private, loopback and
link-local through, but never the cloud metadata endpoints.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# cloud instance metadata services: refused even with allow_private
METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.123",  # AWS time sync
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS IPv6
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class TargetRefused(ValueError):
    """The URL or one of its addresses may not be called."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # as in the URL (Host header, TLS server name)
    port: int
    address: str  # the checked IP to connect to
    path: str  # path and query


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def address_refusal(address: str | IPAddress, *, allow_private: bool = False) -> str | None:
    """Why this address may not be called, or None when it may."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped IPv6 address"
        inner = _embedded_v4(ip)
        if inner is not None:
            why = address_refusal(inner, allow_private=allow_private)
            return f"embeds {inner}: {why}" if why else None
        if ip in _NAT64_LOCAL:
            return "local NAT64 prefix"
    if ip in METADATA:
        return "cloud metadata address"
    if ip.is_unspecified or ip.is_multicast:
        return "unspecified or multicast address"
    if ip.is_global:
        return None
    if allow_private and (ip.is_private or ip.is_loopback or ip.is_link_local):
        return None
    return "not a public address"


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


def parse_url(url: str) -> tuple[str, str, int, str]:
    """scheme, host, port, path+query of an acceptable webhook URL (syntax only)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("only http and https URLs")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials in the URL are not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


async def check_url(
    url: str, *, allow_private: bool = False, resolver: Resolver = system_resolver
) -> Target:
    """The checked target of `url` (connect to `address`), or TargetRefused."""
    scheme, host, port, path = parse_url(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = list(await resolver(host, port))
        except OSError as exc:
            raise TargetRefused(f"{host} does not resolve") from exc
        if not addresses:
            raise TargetRefused(f"{host} does not resolve")
    for address in addresses:
        why = address_refusal(address, allow_private=allow_private)
        if why is not None:
            raise TargetRefused(f"{host} -> {address}: {why}")
    return Target(scheme, host, port, addresses[0], path)
