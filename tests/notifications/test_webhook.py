"""Webhook: set-up (secret shown once, stored encrypted), signed delivery to a loopback
listener, retries after a timeout and a 5xx with the same idempotency key, SSRF at set-up."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from backend.crypto import FieldCipher
from backend.notifications.models import NotificationAttempt, NotificationDelivery
from backend.notifications.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.auth.helpers import error_code
from tests.notifications.helpers import runtime, send, user, wait_delivered
from tests.notifications.receiver import receiver

WEBHOOK = "/api/v1/webhook"


async def test_signed_delivery_and_secret_encrypted_at_rest(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    uid, auth = await user(client, "alice")
    async with receiver() as rec:
        resp = await client.put(WEBHOOK, json={"url": rec.url}, headers=auth)
        assert resp.status_code == 200, resp.text
        secret = resp.json()["secret"]
        assert secret.startswith("whsec_")
        # a database dump shows ciphertext only
        async with runtime(app).sessionmaker() as session:
            row = (await session.execute(text("SELECT * FROM notification_settings"))).one()
        assert all(secret not in str(value) for value in row)
        assert runtime(app).cipher.decrypt(row.webhook_secret) == secret
        settings = (await client.get("/api/v1/notifications/settings", headers=auth)).json()
        assert settings["webhook"] == {"url": rec.url} and "secret" not in json.dumps(settings)

        note = await send(app, uid, "fire:1", ("app", "webhook"), alert_id=5, data={"p": "1"})
        assert note is not None
        await wait_delivered(app, "webhook")
        (got,) = rec.requests
        headers = {k.lower(): v for k, v in got.headers.items()}
        sig, ts = headers[SIGNATURE_HEADER.lower()], headers[TIMESTAMP_HEADER.lower()]
        assert verify(secret, ts, got.body, sig)
        assert not verify("whsec_other", ts, got.body, sig)
        body = json.loads(got.body)
        assert body["notification_id"] == note.id and body["alert_id"] == 5
        assert body["title"] == "title fire:1" and body["data"] == {"p": "1"}
        assert headers["idempotency-key"] == body["id"]


async def test_timeout_and_5xx_are_retried_with_one_key(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    uid, auth = await user(client, "alice")
    async with receiver() as rec:
        rec.script = ["hang", 503, 429]
        assert (await client.put(WEBHOOK, json={"url": rec.url}, headers=auth)).status_code == 200
        await send(app, uid, "fire:2", ("webhook",))
        await wait_delivered(app, "webhook")
        assert len(rec.requests) == 4
        assert len(set(rec.keys())) == 1  # every try carried the same idempotency key
    async with runtime(app).sessionmaker() as session:
        delivery = (await session.scalars(select(NotificationDelivery))).one()
        outcomes = (await session.scalars(select(NotificationAttempt.outcome).order_by("id"))).all()
    assert delivery.state == "sent" and delivery.attempts == 4
    assert list(outcomes) == ["retry", "retry", "retry", "sent"]


async def test_permanent_failure_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, auth = await user(client, "alice")
    async with receiver() as rec:
        rec.script = [410]
        assert (await client.put(WEBHOOK, json={"url": rec.url}, headers=auth)).status_code == 200
        await send(app, uid, "fire:3", ("webhook",))
        await wait_delivered(app, "webhook")
        assert len(rec.requests) == 1
    async with runtime(app).sessionmaker() as session:
        delivery = (await session.scalars(select(NotificationDelivery))).one()
    assert delivery.state == "failed" and "410" in (delivery.last_error or "")


async def test_webhook_test_button_and_delete(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, auth = await user(client, "alice")
    assert (await client.post(f"{WEBHOOK}/test", headers=auth)).status_code == 404
    async with receiver() as rec:
        secret = (await client.put(WEBHOOK, json={"url": rec.url}, headers=auth)).json()["secret"]
        resp = await client.post(f"{WEBHOOK}/test", headers=auth)
        assert resp.json() == {"delivered": True, "detail": None}
        got = rec.requests[0]
        headers = {k.lower(): v for k, v in got.headers.items()}
        assert verify(
            secret, headers["x-webhook-timestamp"], got.body, headers["x-webhook-signature"]
        )
        rec.script = [500]
        resp = await client.post(f"{WEBHOOK}/test", headers=auth)
        assert resp.json()["delivered"] is False and "500" in resp.json()["detail"]
    assert (await client.delete(WEBHOOK, headers=auth)).status_code == 204
    assert (await client.delete(WEBHOOK, headers=auth)).status_code == 404


@pytest.mark.parametrize("overrides", [{"webhook_allow_private": False}])
async def test_private_targets_refused_without_the_setting(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, auth = await user(client, "alice")
    for url in (
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/hook",
        "http://[::1]/",
        "file:///etc/passwd",
    ):
        resp = await client.put(WEBHOOK, json={"url": url}, headers=auth)
        assert resp.status_code == 400, url
        assert error_code(resp) == "webhook_url_refused"


async def test_metadata_refused_even_with_private_allowed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, auth = await user(client, "alice")
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/"):
        resp = await client.put(WEBHOOK, json={"url": url}, headers=auth)
        assert resp.status_code == 400, url


@pytest.mark.parametrize("overrides", [{"notify_poll_interval_s": 3600.0}])
async def test_commit_wakes_the_senders_without_a_poll(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    uid, auth = await user(client, "alice")
    async with receiver() as rec:
        assert (await client.put(WEBHOOK, json={"url": rec.url}, headers=auth)).status_code == 200
        await send(app, uid, "wake:1", ("webhook",))  # no bus given: the part's bus is used
        await wait_delivered(app, "webhook")
        assert len(rec.requests) == 1


async def test_no_encryption_key_refuses_to_store_a_secret(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, auth = await user(client, "alice")
    runtime(app).cipher = FieldCipher([])  # production without FIELD_ENCRYPTION_KEYS
    resp = await client.put(WEBHOOK, json={"url": "http://127.0.0.1:9/hook"}, headers=auth)
    assert resp.status_code == 503 and error_code(resp) == "encryption_not_configured"
