"""Injection strings (SQL, JSON, HTML, Telegram Markdown) in every free-text field are stored and
returned byte for byte, or refused with a 422 where the field has a pattern; none is executed.
Nothing renders them as markup: Telegram messages go as plain text (no parse_mode anywhere) and the
web app never sets inner HTML."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from fastapi import FastAPI

from backend.alerts.texts import firing_texts
from backend.notifications.channels import TELEGRAM, Delivery, sender_for
from backend.security import Role
from tests.conftest import ROOT
from tests.fakes.telegram_server import FakeTelegram
from tests.security.conftest import make_user
from tests.telegram.conftest import fake_telegram, settings  # noqa: F401 - app with the fake Bot API
from tests.telegram.test_sender import CHAT, _user_with_chat

API = "/api/v1"
INJECTIONS = [
    "'; DROP TABLE users; --",
    "Robert'); DELETE FROM orders WHERE ('1'='1",
    "1 OR 1=1 UNION SELECT password_hash FROM users",
    '{"$gt": ""}',
    '", "role": "admin", "x": "',
    '\\u0000\\"}]',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "*bold* _italic_ [link](http://evil.example) `code` ```pre```",
    "<b>bold</b> &amp; &lt;i&gt;",
    "%s %d {0} ${jndi:ldap://x} {{7*7}}",
    "ünïcødé 🚀 \u202eRTL\u202c \r\n tab\t",
]


async def test_alert_notes_are_stored_and_returned_verbatim(
    sec_app: FastAPI, sc: httpx.AsyncClient
) -> None:
    _, h = await make_user(sec_app, Role.TRADER)
    ids = []
    for text in INJECTIONS:
        body = {"symbol": "BTCUSDT", "condition": "price_above", "value": "70000", "note": text}
        resp = await sc.post(f"{API}/alerts", json=body, headers=h)
        assert resp.status_code == 201, (text, resp.text)
        assert resp.json()["note"] == text
        ids.append(resp.json()["id"])
    for alert_id, text in zip(ids, INJECTIONS, strict=True):
        assert (await sc.get(f"{API}/alerts/{alert_id}", headers=h)).json()["note"] == text
    listed = (await sc.get(f"{API}/alerts", headers=h)).json()["items"]
    assert sorted(a["note"] for a in listed) == sorted(INJECTIONS)
    # edit: same bytes back
    patched = await sc.patch(f"{API}/alerts/{ids[0]}", json={"note": INJECTIONS[6]}, headers=h)
    assert patched.status_code == 200 and patched.json()["note"] == INJECTIONS[6]
    assert (await sc.get(f"{API}/users/me", headers=h)).status_code == 200  # users is still there


async def test_identity_fields_take_injections_verbatim_or_refuse_them(
    sec_app: FastAPI, sc: httpx.AsyncClient
) -> None:
    stored = 0
    for n, text in enumerate(INJECTIONS):
        for field, value in (("username", text), ("email", f'"{text}"@example.com')):
            body = {
                "email": f"u{n}@example.com",
                "username": f"user{n}",
                "password": "Tr0ub4dor&3-horse",
            }
            body[field] = value
            resp = await sc.post(f"{API}/auth/register", json=body)
            if resp.status_code == 422:
                assert resp.json()["error"]["code"] == "validation_error"
                continue
            assert resp.status_code == 201, resp.text
            assert resp.json()[field] in (value, value.lower()), resp.json()
            stored += 1
    _, h = await make_user(sec_app, Role.TRADER)
    for text in INJECTIONS:
        url = f"http://127.0.0.1:9/hook?q={text}"
        resp = await sc.put(f"{API}/webhook", json={"url": url}, headers=h)
        if resp.status_code == 422:
            continue
        assert resp.status_code == 200, resp.text
        assert resp.json()["url"] == url
        shown = (await sc.get(f"{API}/notifications/settings", headers=h)).json()["webhook"]
        assert shown == {"url": url}
        stored += 1
    assert (await sc.get(f"{API}/users/me", headers=h)).status_code == 200
    print(f"injection strings stored verbatim in identity fields and webhook URLs: {stored}")


async def test_telegram_messages_carry_notes_as_plain_text(
    app: FastAPI,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    user_id = await _user_with_chat(app.state.runtime, CHAT)
    sender = sender_for(TELEGRAM)
    assert sender is not None
    for n, text in enumerate(INJECTIONS):
        title, body = firing_texts(
            "en", symbol="BTCUSDT", condition="price_above", value=Decimal(70000),
            price=Decimal(70001), window=None, interval=None, note=text, late=False,
        )  # fmt: skip
        await sender.send(
            Delivery(
                id=n,
                notification_id=n,
                user_id=user_id,
                channel=TELEGRAM,
                idempotency_key=f"n{n}-telegram",
                kind="alert",
                title=title,
                body=body,
                alert_id=1,
                data={},
                attempt=1,
            )
        )
    sent = fake_telegram.messages(CHAT)
    assert len(sent) == len(INJECTIONS)
    for message, text in zip(sent, INJECTIONS, strict=True):
        assert message.endswith("\n" + text), (message, text)


def test_nothing_asks_telegram_or_the_browser_to_render_markup() -> None:
    # Telegram renders Markdown/HTML only when a message names a parse_mode: none does, so a
    # note's `*` or `<b>` arrives as typed. If one ever does, its text must be escaped first.
    sources = [
        *ROOT.joinpath("backend").rglob("*.py"),
        *ROOT.joinpath("telegram_bot").rglob("*.py"),
    ]
    offenders = [str(p) for p in sources if re.search(r"parse_mode|ParseMode", p.read_text())]
    assert not offenders, offenders
    web = [
        p
        for p in ROOT.joinpath("frontend", "src").rglob("*.ts*")
        if ".test." not in p.name
        and re.search(r"dangerouslySetInnerHTML|\.innerHTML\s*=", p.read_text())
    ]
    assert not web, web
