"""Mass assignment: no request body can set a role, a balance, an id, a status or an owner.

Every JSON body schema refuses unknown fields (OpenAPI `additionalProperties: false`, pydantic
`extra="forbid"`), checked over the whole document so a new body cannot slip through; and the
live routes answer 422 `extra_forbidden` for each privileged field, changing nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.security import Role
from tests.security.conftest import make_user

PRIVILEGED = {
    "role": "admin",
    "is_active": True,
    "balance": "1000000000",
    "balances": [{"asset": "USDT", "free": "1e9"}],
    "id": 1,
    "user_id": 1,
    "owner_id": 1,
    "status": "FILLED",
    "state": "triggered",
    "executed_qty": "1",
    "token_version": 0,
    "secret": "attacker-chosen",
}
# Bodies whose fields are all defined by a standard, not by us (OAuth2 password form).
STANDARD_FORMS = {("post", "/api/v1/auth/login")}


def _resolve(schema: dict[str, Any], comps: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return comps[ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_json_body_schema_forbids_unknown_fields(sec_app: FastAPI) -> None:
    doc = sec_app.openapi()
    comps = doc["components"]["schemas"]
    open_bodies: list[str] = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if (method, path) in STANDARD_FORMS or "requestBody" not in op:
                continue
            for media in op["requestBody"]["content"].values():
                top = media["schema"]
                for variant in top.get("anyOf") or top.get("oneOf") or [top]:
                    schema = _resolve(variant, comps)
                    if schema.get("type") == "null":
                        continue
                    if schema.get("additionalProperties") is not False:
                        open_bodies.append(f"{method.upper()} {path}: {variant}")
    assert not open_bodies, "bodies that take unknown fields:\n" + "\n".join(open_bodies)


LIMIT_ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "quantity": "0.1",
    "price": "59000",
    "time_in_force": "GTC",
}
ALERT = {"symbol": "BTCUSDT", "condition": "price_above", "value": "70000"}

# (method, path, valid body, role): each gets every privileged field on top of a valid body
CASES: list[tuple[str, str, dict[str, Any], Role]] = [
    ("POST", "/api/v1/orders", LIMIT_ORDER, Role.TRADER),
    ("POST", "/api/v1/alerts", ALERT, Role.TRADER),
    ("PATCH", "/api/v1/users/me", {"username": "renamed"}, Role.TRADER),
    ("PATCH", "/api/v1/notifications/settings", {"language": "ru"}, Role.TRADER),
    ("PUT", "/api/v1/webhook", {"url": "https://example.com/hook"}, Role.TRADER),
    ("POST", "/api/v1/forecast/train", {"symbol": "BTCUSDT"}, Role.ANALYST),
    (
        "POST",
        "/api/v1/forecast/evaluations",
        {"model_id": "m-1", "start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
        Role.ANALYST,
    ),
    ("PATCH", "/api/v1/admin/users/{other}", {"role": "analyst", "is_active": True}, Role.ADMIN),
    ("POST", "/api/v1/auth/register", {"email": "m@example.com", "username": "mallory", "password": "Tr0ub4dor&3-horse"}, Role.TRADER),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "role"), CASES, ids=lambda v: str(v)[:40])
async def test_privileged_fields_are_refused_by_name(
    sec_app: FastAPI,
    sc: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any],
    role: Role,
) -> None:
    uid, headers = await make_user(sec_app, role)
    path = path.replace("{other}", str((await make_user(sec_app, Role.TRADER))[0]))
    for field, value in PRIVILEGED.items():
        if field in body:
            continue  # a field the route really takes (an admin sets role and is_active)
        resp = await sc.request(method, path, json={**body, field: value}, headers=headers)
        assert resp.status_code == 422, (field, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "validation_error", error
        kinds = {(d["loc"][-1], d["type"]) for d in error["details"]}
        assert (field, "extra_forbidden") in kinds, (field, error)
    me = (await sc.get("/api/v1/users/me", headers=headers)).json()
    assert (me["id"], me["role"]) == (uid, role.value)
    account = (await sc.get("/api/v1/account", headers=headers)).json()
    assert [(b["asset"], Decimal(b["free"])) for b in account["balances"]] == [
        ("USDT", Decimal(10000))
    ], account
    assert (await sc.get("/api/v1/orders", headers=headers)).json() in ([], {"items": []})
