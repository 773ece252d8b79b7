"""Email channel: alert mails over SMTP (`SMTP_URL`), in the user's language.

`smtp://[user:password@]host[:port]` (STARTTLS when the server offers it) or `smtps://` (TLS
from the start). The Message-ID is derived from the delivery's idempotency key, so a mail sent
again after a lost answer carries the same id (mail clients and many servers drop the repeat).
Connection errors, timeouts and 4xx replies are retried; 5xx replies (a refused recipient)
fail for good; email turned off by the user fails the delivery for good.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import aiosmtplib

from backend.notifications.channels import EMAIL, Delivery, PermanentFailure, RetryLater
from backend.notifications.repository import SettingsRepository
from backend.users.models import User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from backend.config import Settings

SMTP_TIMEOUT_S = 10.0

_TEXTS = {
    "en": {"footer": "You receive this because email alerts are on in your CryptoDemo profile."},
    "ru": {
        "footer": "Вы получили это письмо, потому что в профиле CryptoDemo включены "
        "уведомления по почте."
    },
}


def message_id(idempotency_key: str) -> str:
    return f"<{idempotency_key}@notifications.cryptodemo>"


def build_message(delivery: Delivery, sender: str, to: str, language: str) -> EmailMessage:
    texts = _TEXTS.get(language, _TEXTS["en"])
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = delivery.title
    msg["Message-ID"] = message_id(delivery.idempotency_key)
    msg["Date"] = formatdate(usegmt=True)
    msg["Content-Language"] = language
    msg.set_content(f"{delivery.body}\n\n-- \n{texts['footer']}\n")
    return msg


class EmailSender:
    channel = EMAIL

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        assert settings.smtp_url is not None
        url = urlsplit(settings.smtp_url.get_secret_value())
        if url.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        self._tls = url.scheme == "smtps"
        self._host = url.hostname or "localhost"
        self._port = url.port or (465 if self._tls else 25)
        self._user = unquote(url.username) if url.username else None
        self._password = unquote(url.password) if url.password else None
        self._from = settings.smtp_from
        self._sm = sessionmaker

    async def send(self, delivery: Delivery) -> None:
        async with self._sm() as session:
            prefs = await SettingsRepository(session).get(delivery.user_id)
            user = await session.get(User, delivery.user_id)
        if user is None or prefs is None or not prefs.email_enabled:
            raise PermanentFailure("email alerts are off")
        msg = build_message(delivery, self._from, user.email, prefs.language)
        try:
            await aiosmtplib.send(
                msg,
                hostname=self._host,
                port=self._port,
                username=self._user,
                password=self._password,
                use_tls=self._tls,
                timeout=SMTP_TIMEOUT_S,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentFailure(f"SMTP {exc.code}: {exc.message}") from exc
            raise RetryLater(0.0, f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise RetryLater(0.0, f"SMTP unavailable: {type(exc).__name__}") from exc
