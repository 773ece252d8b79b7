"""In-app notifications: pages with a cursor, unread count, read marks, another user's is 404,
settings (language, email on/off)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth.helpers import error_code
from tests.notifications.helpers import send, user

LIST = "/api/v1/notifications"


async def test_pages_unread_and_read_marks(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, auth = await user(client, "alice")
    ids = []
    for i in range(5):
        row = await send(app, uid, f"n{i}", alert_id=i)
        assert row is not None
        ids.append(row.id)
    page = (await client.get(LIST, params={"limit": 2}, headers=auth)).json()
    assert [n["id"] for n in page["items"]] == [ids[4], ids[3]]
    assert page["unread_count"] == 5 and page["next_cursor"] == ids[3]
    page2 = (
        await client.get(LIST, params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth)
    ).json()
    assert [n["id"] for n in page2["items"]] == [ids[2], ids[1]]
    last = (await client.get(LIST, params={"limit": 2, "cursor": ids[1]}, headers=auth)).json()
    assert [n["id"] for n in last["items"]] == [ids[0]] and last["next_cursor"] is None

    resp = await client.post(f"{LIST}/{ids[2]}/read", headers=auth)
    assert resp.status_code == 200 and resp.json()["read_at"] is not None
    unread = (await client.get(LIST, params={"unread": "true"}, headers=auth)).json()
    assert ids[2] not in [n["id"] for n in unread["items"]] and unread["unread_count"] == 4
    done = (await client.post(f"{LIST}/read-all", headers=auth)).json()
    assert done == {"updated": 4, "unread_count": 0}
    assert (await client.get(LIST, params={"unread": "true"}, headers=auth)).json()["items"] == []


async def test_another_users_notification_is_404(app: FastAPI, client: httpx.AsyncClient) -> None:
    alice, alice_auth = await user(client, "alice")
    _, bob_auth = await user(client, "bob")
    row = await send(app, alice, "a1")
    assert row is not None
    resp = await client.post(f"{LIST}/{row.id}/read", headers=bob_auth)
    assert resp.status_code == 404 and error_code(resp) == "notification_not_found"
    missing = await client.post(f"{LIST}/{row.id + 1000}/read", headers=bob_auth)
    assert missing.status_code == 404 and error_code(missing) == "notification_not_found"
    assert (await client.get(LIST, headers=bob_auth)).json()["items"] == []
    assert (await client.post(f"{LIST}/read-all", headers=bob_auth)).json()["updated"] == 0
    mine = (await client.get(LIST, params={"unread": "true"}, headers=alice_auth)).json()
    assert [n["id"] for n in mine["items"]] == [row.id] and mine["unread_count"] == 1


async def test_settings_language_and_email(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, auth = await user(client, "alice")
    url = f"{LIST}/settings"
    first = (await client.get(url, headers=auth)).json()
    assert first == {
        "language": "en",
        "email_enabled": False,
        "email_available": False,
        "webhook": None,
    }
    resp = await client.patch(url, json={"language": "ru", "email_enabled": True}, headers=auth)
    assert resp.json()["language"] == "ru" and resp.json()["email_enabled"] is True
    assert (await client.patch(url, json={"language": "de"}, headers=auth)).status_code == 422
