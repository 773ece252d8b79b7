"""Real child processes for the kill tests: a worker (`python -m backend.worker`: its outbox
senders deliver the telegram channel) and the bot (`python -m telegram_bot`), both pointed at
the test's database, Redis prefix and fake Bot API; stopped with SIGKILL like a crash."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.crypto import FieldCipher
from backend.db import transaction
from backend.telegram import service
from backend.users.models import User
from tests.conftest import REDIS_URL, ROOT
from tests.fakes.telegram_server import TOKEN


def child_env(
    database_url: str, redis_prefix: str, telegram_url: str, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(
        ENV="test",
        DATABASE_URL=database_url,
        DATABASE_POOL_SIZE="4",
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=redis_prefix,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram_url,
        NOTIFY_POLL_INTERVAL_S="0.2",
        RUN_INGESTOR="no",
        MARKET_SOURCE="replay",
        MARKET_HISTORY_IMPORT="no",
        LOG_TO_FILE="false",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def spawn(module: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL (no cleanup runs: a crash) and reap."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


async def until(cond: Callable[[], Awaitable[bool]], timeout_s: float = 60.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await cond():
            await asyncio.sleep(0.05)


async def user_with_chat(
    sm: async_sessionmaker[AsyncSession], cipher: FieldCipher, secret: str, chat_id: int | None
) -> int:
    """A user, linked to `chat_id` (None: a link code only); its id."""
    now = datetime.now(UTC)
    async with transaction(sm) as tx:
        user = User(
            email="killed@example.com",
            username="killed",
            username_key="killed",
            password_hash="x",
            created_at=now,
            updated_at=now,
        )
        tx.session.add(user)
        await tx.session.flush()
        if chat_id is not None:
            code = await service.create_code(tx, user.id, now)
            linked = await service.link_chat(
                tx, cipher, secret, code=code.code, chat_id=chat_id, language="en", now=now
            )
            assert linked == user.id
        return user.id
