"""`python -m backend.cli create-admin`, run as a real subprocess against the test database."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest

from tests.auth.helpers import bearer, login
from tests.conftest import ROOT

PASSWORD = "Sturdy-Gate-Keeper-71"


async def _cli(db_url: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": db_url, "ENV": "test", "LOG_TO_FILE": "false"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_create_admin_then_log_in_as_admin(client: httpx.AsyncClient, db_url: str) -> None:
    args = (
        "create-admin",
        "--email",
        "ops@example.com",
        "--username",
        "ops",
        "--password",
        PASSWORD,
    )
    code, out = await _cli(db_url, *args)
    assert code == 0, out
    assert "admin created" in out
    grant = await login(client, "ops", PASSWORD)
    me = (await client.get("/api/v1/users/me", headers=bearer(grant["access_token"]))).json()
    assert me["role"] == "admin"
    again, out = await _cli(db_url, *args)  # idempotent
    assert again == 0 and "already existed" in out


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_create_admin_refuses_weak_password(db_url: str) -> None:
    code, out = await _cli(
        db_url,
        "create-admin",
        "--email",
        "ops@example.com",
        "--username",
        "ops",
        "--password",
        "123456",
    )
    assert code == 1
    assert "weak_password" in out and "123456" not in out.replace("create-admin", "")


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_help_lists_the_commands(db_url: str) -> None:
    code, out = await _cli(db_url, "--help")
    assert code == 0 and "create-admin" in out
