"""`link_chat` is idempotent for a replayed `/start <code>` (a bot killed before confirming the
update): the code that linked this chat gives the same user again and changes nothing; from any
other chat, or once the account has a new code, it is refused like any used code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select

from backend.db import transaction
from backend.runtime import Runtime
from backend.telegram import service
from backend.telegram.models import TelegramLink
from tests.telegram.procs import user_with_chat

CHAT = 7501


async def _link(rt: Runtime, code: str, chat_id: int, now: datetime) -> int | None:
    async with transaction(rt.sessionmaker) as tx:
        return await service.link_chat(
            tx, rt.cipher, "secret", code=code, chat_id=chat_id, language=None, now=now
        )


async def test_the_same_code_from_the_chat_it_linked_is_a_replay(app: FastAPI) -> None:
    rt: Runtime = app.state.runtime
    uid = await user_with_chat(rt.sessionmaker, rt.cipher, "secret", None)
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        code = (await service.create_code(tx, uid, now)).code
    assert await _link(rt, code, CHAT, now) == uid
    async with rt.sessionmaker() as s:
        [first] = (await s.execute(select(TelegramLink))).scalars().all()
    later = now + timedelta(seconds=5)
    assert await _link(rt, code, CHAT, later) == uid  # the replay: same answer
    assert await _link(rt, code, CHAT + 1, later) is None  # another chat: a used code
    async with rt.sessionmaker() as s:
        [again] = (await s.execute(select(TelegramLink))).scalars().all()
    assert (again.user_id, again.linked_at, again.chat_key) == (
        uid,
        first.linked_at,
        first.chat_key,
    )
    async with transaction(rt.sessionmaker) as tx:  # a new code drops the account's old ones
        await service.create_code(tx, uid, later)
    assert await _link(rt, code, CHAT, later) is None
