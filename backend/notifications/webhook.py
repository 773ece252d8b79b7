"""Webhook channel: a JSON POST signed with HMAC-SHA256, to a checked public address.

Headers: `X-Webhook-Timestamp` (unix seconds), `X-Webhook-Signature: sha256=<hex>` where the
hex is HMAC-SHA256(secret, "<timestamp>.<raw body>"), `Idempotency-Key` (the same on every try
of one delivery; receivers drop repeats by it). The URL is checked at every try (ssrf.py) and the
connection goes to the checked address (Host header and TLS name stay the URL's host), so a DNS
answer that changes between check and connect cannot redirect it. Redirects are not followed.
2xx: delivered; 429 (Retry-After honoured), 408, 5xx, timeouts and connection errors: retried;
any other answer, a refused URL or a removed webhook: failed for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING

import httpx

from backend.notifications.channels import WEBHOOK, Delivery, PermanentFailure, RetryLater
from backend.notifications.repository import SettingsRepository
from backend.notifications.ssrf import Resolver, Target, TargetRefused, check_url, system_resolver

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from backend.config import Settings
    from backend.crypto import FieldCipher

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (documented in the README): recompute and compare in constant time."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def payload(delivery: Delivery) -> bytes:
    return json.dumps(
        {
            "id": delivery.idempotency_key,
            "type": delivery.kind,
            "notification_id": delivery.notification_id,
            "alert_id": delivery.alert_id,
            "title": delivery.title,
            "body": delivery.body,
            "data": dict(delivery.data),
        },
        separators=(",", ":"),
        default=str,
    ).encode()


def _retry_after(resp: httpx.Response) -> float:
    try:
        return max(0.0, float(resp.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def _connect_url(target: Target) -> str:
    host = f"[{target.address}]" if ":" in target.address else target.address
    return f"{target.scheme}://{host}:{target.port}{target.path}"


async def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.Response:
    """POST to the checked address; the URL's host stays the Host header and TLS name."""
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    async with httpx.AsyncClient(
        timeout=timeout_s, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        return await client.post(
            _connect_url(target),
            content=body,
            headers={**headers, "Host": host_header, "Content-Type": "application/json"},
            extensions={"sni_hostname": target.host},
        )


class WebhookSender:
    channel = WEBHOOK

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._settings = settings
        self._sm = sessionmaker
        self._cipher = cipher
        self._resolver = resolver

    async def send(self, delivery: Delivery) -> None:
        async with self._sm() as session:
            row = await SettingsRepository(session).get(delivery.user_id)
        if row is None or row.webhook_url is None or row.webhook_secret is None:
            raise PermanentFailure("no webhook set up")
        await self.deliver(
            row.webhook_url,
            self._cipher.decrypt(row.webhook_secret),
            payload(delivery),
            delivery.idempotency_key,
        )

    async def deliver(self, url: str, secret: str, body: bytes, idempotency_key: str) -> None:
        try:
            target = await check_url(
                url, allow_private=self._settings.webhook_allow_private, resolver=self._resolver
            )
        except TargetRefused as exc:
            raise PermanentFailure(f"URL refused: {exc}") from exc
        ts = int(time.time())
        headers = {
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(secret, ts, body),
            "Idempotency-Key": idempotency_key,
            "User-Agent": "CryptoDemo-Webhook/1",
        }
        try:
            resp = await post(target, body, headers, self._settings.webhook_timeout_s)
        except httpx.TimeoutException as exc:
            raise RetryLater(0.0, "timed out") from exc
        except httpx.TransportError as exc:
            raise RetryLater(0.0, f"connection failed: {type(exc).__name__}") from exc
        code = resp.status_code
        if 200 <= code < 300:
            return
        if code == 429:
            raise RetryLater(_retry_after(resp), "429 too many requests")
        if code == 408 or code >= 500:
            raise RetryLater(_retry_after(resp) if code == 503 else 0.0, f"HTTP {code}")
        if 300 <= code < 400:
            raise PermanentFailure(f"HTTP {code}: redirects are not followed")
        raise PermanentFailure(f"HTTP {code}")
