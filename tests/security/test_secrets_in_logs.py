"""Passwords, tokens and secrets never reach a log line or a response that should not carry them.

One app logs at DEBUG (everything: the access lines, security events, the stdlib loggers routed
into loguru) to stdout, its files and a sink added here; a user then registers, fails a login,
logs in, refreshes (body and cookie), replays a spent refresh token, changes email and password,
sets a webhook, tests it and logs out. Every secret seen on the wire is then looked for in all of
the logs, and the password hash in every response.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from loguru import logger

from backend.main import create_app
from tests.conftest import asgi_client, make_settings

API = "/api/v1"
P1 = "Corr3ct-Horse-Battery-1"
P2 = "Staple-Orbit-Quartz-42!"
WRONG = "Wr0ng-Guess-Secret-77"
WEB = {"X-Client": "web"}


def _grant(resp: httpx.Response) -> dict[str, str]:
    assert resp.status_code == 200, resp.text
    body: dict[str, str] = resp.json()
    return body


async def test_no_password_token_or_secret_is_logged_or_returned(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_dir = tmp_path / "log"
    settings = make_settings(
        db_url,
        tmp_path,
        log_level="DEBUG",
        log_access=True,
        log_to_file=True,
        log_dir=log_dir,
        rate_limit_enabled=False,
        webhook_allow_private=True,
    )
    app = create_app(settings)
    captured: list[str] = []
    sink_id = logger.add(captured.append, level=0, serialize=True)  # after setup_logging
    secrets: list[str] = [P1, P2, WRONG]
    bodies: list[str] = []
    try:
        async with app.router.lifespan_context(app), asgi_client(app) as c:

            async def call(method: str, path: str, **kw: object) -> httpx.Response:
                resp = await c.request(method, f"{API}{path}", **kw)  # type: ignore[arg-type]
                bodies.append(resp.text)
                return resp

            reg = await call(
                "POST", "/auth/register",
                json={"email": "sam@example.com", "username": "sam", "password": P1},
            )  # fmt: skip
            assert reg.status_code == 201, reg.text
            bad = await call("POST", "/auth/login", data={"username": "sam", "password": WRONG})
            assert bad.status_code == 401
            first = _grant(
                await call("POST", "/auth/login", data={"username": "sam", "password": P1})
            )
            second = _grant(
                await call("POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
            )
            replay = await call(
                "POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]}
            )
            assert replay.status_code == 401  # reuse: the family is revoked (a security event)
            secrets += [first["access_token"], first["refresh_token"], second["access_token"]]
            secrets.append(second["refresh_token"])
            web = await call(
                "POST", "/auth/login", data={"username": "sam", "password": P1}, headers=WEB
            )
            web_grant = _grant(web)
            cookie = next(iter(web.cookies.values()))
            secrets += [web_grant["access_token"], cookie]
            cookie_refresh = _grant(await call("POST", "/auth/refresh", headers=WEB))
            secrets.append(cookie_refresh["access_token"])
            auth = {"Authorization": f"Bearer {cookie_refresh['access_token']}"}
            patched = await call(
                "PATCH", "/users/me",
                json={"email": "sam2@example.com", "current_password": P1}, headers=auth,
            )  # fmt: skip
            assert patched.status_code == 200, patched.text
            changed = await call(
                "POST", "/users/me/password",
                json={"current_password": P1, "new_password": P2}, headers=auth,
            )  # fmt: skip
            assert changed.status_code == 204, changed.text
            last = _grant(
                await call("POST", "/auth/login", data={"username": "sam", "password": P2})
            )
            secrets += [last["access_token"], last["refresh_token"]]
            auth = {"Authorization": f"Bearer {last['access_token']}"}
            hook = await call(
                "PUT", "/webhook", json={"url": "http://127.0.0.1:9/hook"}, headers=auth
            )
            assert hook.status_code == 200, hook.text
            secrets.append(hook.json()["secret"])
            await call("POST", "/webhook/test", headers=auth)
            me = await call("GET", "/users/me", headers=auth)
            assert me.status_code == 200
            out = await call("POST", "/auth/logout", json={"refresh_token": last["refresh_token"]})
            assert out.status_code == 204, out.text
        await logger.complete()
    finally:
        logger.remove(sink_id)
    logs = "\n".join(captured) + capsys.readouterr().out
    logs += "".join(p.read_text() for p in sorted(log_dir.glob("*.log")))
    # the run was logged, security events included (each one names the user, not a secret)
    for event in ("auth.registered", "auth.login_failed", "auth.refresh_reuse", "webhook.set"):
        assert event in logs, event
    for event in ("user.email_changed", "user.password_changed", "http.access"):
        assert event in logs, event
    leaked = [s[:12] + "..." for s in secrets if s in logs]
    assert not leaked, f"secrets in the logs: {leaked}"
    # a response carries a token only where one is granted; never a password or its hash
    for body in bodies:
        assert P1 not in body and P2 not in body and WRONG not in body
        assert "argon2" not in body and "password_hash" not in body
    assert "secret" not in json.loads(bodies[-2]), bodies[-2]  # GET /users/me
