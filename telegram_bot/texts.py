"""The bot's texts in English and Russian."""

# ruff: noqa: RUF001  (Cyrillic letters are meant)

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "ru")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "help": (
            "Commands:\n"
            "/price SYMBOL - the last price, e.g. /price BTCUSDT\n"
            "/alerts - your active price alerts\n"
            "/portfolio - your demo portfolio\n"
            "/unlink - unlink this chat from your account\n"
            "/help - this list\n\n"
            "To link this chat, open Profile -> Telegram in the web app."
        ),
        "linked": "This chat is now linked to {username}. Alerts will arrive here.",
        "bad_code": "This link code is unknown, used or expired. Make a new one in Profile -> "
        "Telegram.",
        "not_linked": "This chat is not linked to an account. Open Profile -> Telegram in the "
        "web app to link it.",
        "unlinked": "This chat is unlinked. Alerts will no longer arrive here.",
        "price_usage": "Usage: /price SYMBOL, e.g. /price BTCUSDT. Symbols: {symbols}",
        "price_unknown": "Unknown symbol {symbol}. Symbols: {symbols}",
        "price_none": "No price for {symbol} yet.",
        "price": "{symbol}: {price}",
        "alerts_none": "You have no active alerts.",
        "alerts": "Active alerts ({count}):",
        "portfolio": "Equity: {equity} {quote}\nCash: {cash} {quote}",
        "position": "{asset}: {qty} ≈ {value} {quote}",
        "position_unpriced": "{asset}: {qty}",
    },
    "ru": {
        "help": (
            "Команды:\n"
            "/price СИМВОЛ - последняя цена, например /price BTCUSDT\n"
            "/alerts - ваши активные оповещения\n"
            "/portfolio - ваш демо-портфель\n"
            "/unlink - отвязать этот чат от аккаунта\n"
            "/help - этот список\n\n"
            "Чтобы привязать чат, откройте Профиль -> Telegram в веб-приложении."
        ),
        "linked": "Чат привязан к аккаунту {username}. Оповещения будут приходить сюда.",
        "bad_code": "Код привязки неизвестен, уже использован или истёк. Создайте новый в "
        "Профиль -> Telegram.",
        "not_linked": "Этот чат не привязан к аккаунту. Откройте Профиль -> Telegram в "
        "веб-приложении, чтобы привязать его.",
        "unlinked": "Чат отвязан. Оповещения больше не будут приходить сюда.",
        "price_usage": "Использование: /price СИМВОЛ, например /price BTCUSDT. Символы: {symbols}",
        "price_unknown": "Неизвестный символ {symbol}. Символы: {symbols}",
        "price_none": "Цены {symbol} пока нет.",
        "price": "{symbol}: {price}",
        "alerts_none": "У вас нет активных оповещений.",
        "alerts": "Активные оповещения ({count}):",
        "portfolio": "Капитал: {equity} {quote}\nДенежные средства: {cash} {quote}",
        "position": "{asset}: {qty} ≈ {value} {quote}",
        "position_unpriced": "{asset}: {qty}",
    },
}


def language_of(code: str | None) -> str:
    """Telegram's `language_code` (IETF tag) to ours: ru for Russian, else en."""
    return "ru" if code and code.lower().split("-")[0] == "ru" else "en"


def t(lang: str, key: str, **values: Any) -> str:
    table = TEXTS[lang if lang in TEXTS else "en"]
    return table[key].format(**values)
