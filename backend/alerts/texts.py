"""A firing's notification texts, in the user's language (pure)."""

from __future__ import annotations

from decimal import Decimal

_CONDITIONS = {
    "en": {
        "price_above": "{symbol} at or above {value}",
        "price_below": "{symbol} at or below {value}",
        "price_crosses": "{symbol} crossed {value}",
        "change_pct": "{symbol} moved {value}% within {window}",
        "rsi_above": "{symbol} RSI(14, {interval}) at or above {value}",
        "rsi_below": "{symbol} RSI(14, {interval}) at or below {value}",
    },
    "ru": {
        "price_above": "{symbol} на уровне {value} или выше",
        "price_below": "{symbol} на уровне {value} или ниже",
        "price_crosses": "{symbol} пересёк {value}",
        "change_pct": "{symbol} изменился на {value}% за {window}",
        "rsi_above": "RSI(14, {interval}) {symbol} на уровне {value} или выше",
        "rsi_below": "RSI(14, {interval}) {symbol} на уровне {value} или ниже",
    },
}
_PRICE = {"en": "Price: {price}", "ru": "Цена: {price}"}
_LATE = {
    "en": " (found late in the stored candles)",
    "ru": " (обнаружено с опозданием по сохранённым свечам)",  # noqa: RUF001
}


def _d(value: Decimal) -> str:
    return format(value.normalize(), "f")


def firing_texts(
    language: str,
    *,
    symbol: str,
    condition: str,
    value: Decimal,
    price: Decimal,
    window: str | None,
    interval: str | None,
    note: str | None,
    late: bool,
) -> tuple[str, str]:
    """(title, body) of an alert notification."""
    lang = language if language in _CONDITIONS else "en"
    title = _CONDITIONS[lang][condition].format(
        symbol=symbol, value=_d(value), window=window or "", interval=interval or ""
    )
    body = _PRICE[lang].format(price=_d(price)) + (_LATE[lang] if late else "")
    if note:
        body += "\n" + note
    return title, body
