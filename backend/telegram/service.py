"""Linking a user to a Telegram chat, and finding one from the other.

`POST /telegram/link` makes a one-time code (10 minutes; only its SHA-256 is stored); the user
sends `/start <code>` to the bot, which calls `link_chat` with the chat it came from. A chat id is
stored encrypted (`FieldCipher`) and found by `chat_key`, an HMAC of it under SECRET_KEY, so a
database dump reveals neither the chat nor a way to test guesses without the key.

A used code is kept a while (its `expires_at` set to its link's `linked_at` - CODE_TTL, in the
past, so it never works again): the bot confirms an update only after handling it
(telegram_bot/app.py), so a bot killed mid-`/start` gets the same `/start <code>` again after a
restart, and `link_chat` recognises the code that linked this very chat (same answer, nothing
changed) instead of calling it invalid.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.audit import service as audit
from backend.crypto import FieldCipher
from backend.db import Tx
from backend.logging import security_event
from backend.telegram.models import TelegramLink
from backend.telegram.repository import LinkCodeRepository, LinkRepository
from backend.users import changes

CODE_TTL = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    expires_at: datetime


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def chat_key(secret: str, chat_id: int) -> str:
    return hmac.new(
        secret.encode(), f"telegram-chat:{chat_id}".encode(), hashlib.sha256
    ).hexdigest()


async def create_code(tx: Tx, user_id: int, now: datetime) -> LinkCode:
    """A new one-time code; the user's earlier codes stop working."""
    codes = LinkCodeRepository(tx.session)
    await codes.drop_expired(now - 2 * CODE_TTL)  # used ones: kept CODE_TTL after their use
    await codes.drop_for_user(user_id)
    code = secrets.token_urlsafe(24)  # [A-Za-z0-9_-], 32 chars: a valid deep-link parameter
    expires_at = now + CODE_TTL
    await codes.add(_code_hash(code), user_id, expires_at)
    return LinkCode(code, expires_at)


async def link_chat(
    tx: Tx,
    cipher: FieldCipher,
    secret: str,
    *,
    code: str,
    chat_id: int,
    language: str | None,
    now: datetime,
) -> int | None:
    """The user the code belonged to, now linked to this chat; None: unknown, used or expired.
    Idempotent: the same code again from the chat it linked returns that user, changing
    nothing (a replayed update)."""
    codes = LinkCodeRepository(tx.session)
    links = LinkRepository(tx.session)
    key = chat_key(secret, chat_id)
    code_hash = _code_hash(code)
    row = await codes.take(code_hash, now, used=now - CODE_TTL)
    if row is None:
        used = await codes.get(code_hash)
        link = None if used is None else await links.for_chat(key)
        replay = (
            used is not None
            and link is not None
            and link.user_id == used.user_id
            and link.linked_at - CODE_TTL == used.expires_at
        )
        return link.user_id if replay and link is not None else None
    await links.remove_user(row.user_id)  # a new chat replaces the old one
    previous = await links.for_chat(key)
    if previous is not None:  # a chat belongs to one account: the other one is unlinked
        changes.user_changed(tx, previous.user_id)
    await links.remove_chat(key)
    await links.add(
        TelegramLink(
            user_id=row.user_id,
            chat_key=key,
            chat_id_enc=cipher.encrypt(str(chat_id)),
            language=language,
            linked_at=now,
        )
    )
    changes.user_changed(tx, row.user_id)  # /users/me's telegram_linked (principal cache)
    security_event("telegram.linked", user_id=row.user_id)
    audit.record_for_user(tx, "telegram.linked", row.user_id, at=now)
    return row.user_id


async def unlink_user(tx: Tx, user_id: int) -> bool:
    await LinkCodeRepository(tx.session).drop_for_user(user_id)
    removed = await LinkRepository(tx.session).remove_user(user_id)
    if removed:
        changes.user_changed(tx, user_id)
        security_event("telegram.unlinked", user_id=user_id, via="web")
        audit.record_for_user(tx, "telegram.unlinked", user_id, details={"via": "web"})
    return removed


async def unlink_chat(tx: Tx, secret: str, chat_id: int) -> int | None:
    """Unlink the account of this chat; its user id, or None when the chat was not linked."""
    link = await LinkRepository(tx.session).for_chat(chat_key(secret, chat_id))
    if link is None:
        return None
    await LinkRepository(tx.session).remove_user(link.user_id)
    changes.user_changed(tx, link.user_id)
    security_event("telegram.unlinked", user_id=link.user_id, via="bot")
    audit.record_for_user(tx, "telegram.unlinked", link.user_id, details={"via": "bot"})
    return link.user_id


async def is_linked(tx: Tx, user_id: int) -> bool:
    return await LinkRepository(tx.session).for_user(user_id) is not None


async def user_of_chat(tx: Tx, secret: str, chat_id: int) -> int | None:
    link = await LinkRepository(tx.session).for_chat(chat_key(secret, chat_id))
    return None if link is None else link.user_id


async def chat_of_user(tx: Tx, cipher: FieldCipher, user_id: int) -> int | None:
    link = await LinkRepository(tx.session).for_user(user_id)
    return None if link is None else int(cipher.decrypt(link.chat_id_enc))
