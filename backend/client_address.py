"""The client's address behind a reverse proxy: X-Forwarded-For believed from trusted peers only.

Every reader of the client address (rate limits, the lockout and the security log, the access
log, `/ws` connection caps) reads `scope["client"]`; this pure-ASGI middleware, outermost, puts
the real client there. A proxy *appends* the address it saw to X-Forwarded-For, so everything
left of the last trusted hop was written by the client and may be forged: walking the list from
the right, the first address that is not a trusted proxy is the client. A request whose direct
peer is not a trusted proxy keeps its peer address, whatever headers it sends.

uvicorn's own proxy-header handling is off in `backend.serve` (this is the one place).
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

_Address = IPv4Address | IPv6Address


class TrustedProxies:
    """A set of IP addresses and networks (`TRUSTED_PROXIES`)."""

    def __init__(self, entries: Iterable[str]) -> None:
        networks = [ip_network(entry.strip(), strict=False) for entry in entries]
        self._hosts = {n.network_address for n in networks if n.num_addresses == 1}
        self._networks = [n for n in networks if n.num_addresses > 1]

    def __contains__(self, host: object) -> bool:
        address = _parse(host) if isinstance(host, str) else None
        if address is None:
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address in self._hosts or any(address in n for n in self._networks)

    def client_of(self, peer: str, forwarded_for: str) -> str:
        """The right-most hop of `forwarded_for` + `peer` that is not a trusted proxy."""
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        client = peer
        for hop in reversed(hops):
            if client not in self:
                break
            if not hop or _parse(hop) is None:
                break  # garbage from the client's side of the chain: keep the last good hop
            client = hop
        return client


def _parse(host: str) -> _Address | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


class ClientAddressMiddleware:
    """Rewrites `scope["client"]` (and the scheme) from a trusted proxy's forwarded headers."""

    def __init__(self, app: ASGIApp, *, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client and client[0] in self.trusted:
            forwarded_for = proto = None
            for name, value in scope.get("headers", ()):
                if name == b"x-forwarded-for":
                    # Several headers are one list, in order (RFC 9110 5.3).
                    joined = value.decode("latin-1")
                    forwarded_for = f"{forwarded_for},{joined}" if forwarded_for else joined
                elif name == b"x-forwarded-proto":
                    proto = value.decode("latin-1").split(",")[-1].strip().lower()
            if forwarded_for is not None or proto is not None:
                scope = dict(scope)
                if forwarded_for is not None:
                    host = self.trusted.client_of(client[0], forwarded_for)
                    scope["client"] = (host, 0 if host != client[0] else client[1])
                if proto in ("http", "https"):
                    secure = proto == "https"
                    if scope["type"] == "websocket":
                        scope["scheme"] = "wss" if secure else "ws"
                    else:
                        scope["scheme"] = proto
        await self.app(scope, receive, send)
