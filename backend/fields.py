"""Shared pydantic field types: exact decimals as strings, aware datetimes, symbols, intervals."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, PlainSerializer, WithJsonSchema

_DECIMAL_RE = re.compile(r"^-?\d{1,30}(\.\d{1,18})?$")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, str) and _DECIMAL_RE.match(value.strip()):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
            raise ValueError("not a decimal number") from exc
    else:
        # floats are refused on purpose: 0.1 is not exactly 0.1 (send "0.1")
        raise ValueError('must be a decimal string like "0.001"')
    if not result.is_finite():
        raise ValueError("must be finite")
    return result


def _decimal_str(value: Decimal) -> str:
    return format(value, "f")


DecimalStr = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(_decimal_str, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": _DECIMAL_RE.pattern, "examples": ["0.00100000"]}),
]

UtcDatetime = AwareDatetime

INTERVALS: tuple[str, ...] = (
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M",
)  # fmt: skip
Interval = Literal[
    "1s",
    "1m",
    "3m",
    "5m",
    "15m",
    "30m",
    "1h",
    "2h",
    "4h",
    "6h",
    "8h",
    "12h",
    "1d",
    "3d",
    "1w",
    "1M",
]

_SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,20}$")


def _symbol(value: str) -> str:
    value = value.strip().upper()
    if not _SYMBOL_RE.match(value):
        raise ValueError("symbol must be 2-20 letters or digits, e.g. BTCUSDT")
    return value


Symbol = Annotated[str, AfterValidator(_symbol)]
