"""Shared pydantic field types: exact decimals as strings, aware datetimes, symbols, intervals,
and the bounded ids, timestamps, pages and texts every route takes (nothing unbounded reaches
the database)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

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


# --- Bounds for what reaches the database --------------------------------------------------------
# PostgreSQL refuses a NUL character in text, an INTEGER above 2^31 - 1 and a BIGINT above
# 2^63 - 1, and a datetime past year 9999: each would end a request as a 500.
# Every path, query and body parameter uses one of these types (or a pattern, a Literal or a
# bounded number), so bad input is a 422 before any query.

INT32_MAX = 2**31 - 1
# 9999-12-31T23:59:59.999Z, the last millisecond a Python datetime holds
EPOCH_MS_MAX = 253_402_300_799_999

# A row id (INTEGER primary keys) in a path or a filter.
RowId = Annotated[int, Ge(1), Le(INT32_MAX)]
# An account period (1 = since creation, +1 at each reset).
PeriodNumber = Annotated[int, Ge(1), Le(INT32_MAX)]
# A market timestamp in epoch milliseconds.
EpochMs = Annotated[int, Ge(0), Le(EPOCH_MS_MAX)]
# A page number of a paged list: page_size x page stays a sane OFFSET.
PageNumber = Annotated[int, Ge(1), Le(100_000)]

# C0 controls (NUL included), DEL and lone surrogates.
_UNSTORABLE_RE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _storable(value: str) -> str:
    if _UNSTORABLE_RE.search(value):
        raise ValueError("must not contain control characters")
    return value


# One line of text that is stored or searched: no control characters, at most 100 characters.
SearchText = Annotated[str, StringConstraints(max_length=100), AfterValidator(_storable)]
# A login name: a username or an email address.
LoginName = Annotated[
    str, StringConstraints(min_length=1, max_length=254), AfterValidator(_storable)
]
