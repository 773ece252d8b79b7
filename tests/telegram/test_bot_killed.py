"""The bot process (`python -m telegram_bot`) killed (SIGKILL) in the middle of `/start <code>`:
the link committed, its answer waiting on Telegram. The update was not confirmed (the bot confirms
an update by the next getUpdates' offset, only after handling it), so the restarted bot gets it
again; `link_chat` recognises the code that linked this chat, so the link is made once and the
answer is "linked" again, never "invalid code". The answer reaches the chat once when Telegram
had not taken it before the kill, twice when only its reply was lost (the Bot API takes no
idempotency key: at-least-once)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.crypto import build_cipher
from backend.db import make_engine, make_sessionmaker, transaction
from backend.telegram import service
from backend.telegram.models import TelegramLink
from tests.conftest import make_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.procs import child_env, kill, spawn, until, user_with_chat

CHAT = 7401


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("accepted", [False, True], ids=["before-telegram-took-it", "after"])
async def test_bot_killed_mid_start_links_once_after_restart(
    db_url: str, tmp_path: Path, redis_prefix: str, fake_telegram: FakeTelegram, accepted: bool
) -> None:
    settings = make_settings(db_url, tmp_path)
    engine = make_engine(db_url, pool_size=2)
    sm = make_sessionmaker(engine)
    env = child_env(db_url, redis_prefix, fake_telegram.url)
    procs = []

    async def links() -> list[TelegramLink]:
        async with sm() as s:
            return list((await s.execute(select(TelegramLink))).scalars())

    try:
        uid = await user_with_chat(
            sm, build_cipher(settings), settings.secret_key.get_secret_value(), None
        )
        async with transaction(sm) as tx:
            code = (await service.create_code(tx, uid, datetime.now(UTC))).code
        fake_telegram.stall_next("sendMessage", accepted=accepted)
        await fake_telegram.user_sends(CHAT, f"/start {code}")
        procs.append(spawn("telegram_bot", env))
        await fake_telegram.wait_stalled(1)  # linked; the answer waits on Telegram
        [first] = await links()
        assert first.user_id == uid
        kill(procs[0])
        assert fake_telegram.pending_updates() == 1  # not confirmed: handled, not acknowledged

        procs.append(spawn("telegram_bot", env))
        want = 2 if accepted else 1
        texts = await fake_telegram.wait_messages(CHAT, want, timeout_s=60)

        async def confirmed() -> bool:
            return fake_telegram.pending_updates() == 0

        await until(confirmed, 60)
        assert len(texts) == want and all("killed" in t and "linked" in t for t in texts), texts
        assert fake_telegram.messages(CHAT) == texts
        [again] = await links()  # one link, made once: not re-linked by the replay
        assert (again.user_id, again.linked_at) == (uid, first.linked_at)
    finally:
        for proc in procs:
            kill(proc)
        await engine.dispose()
