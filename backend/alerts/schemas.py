"""Alert API shapes. A window is written like Binance's intervals: `5m`, `1h`, `1d`."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from backend.fields import DecimalStr, Interval, RowId, Symbol

ConditionName = Literal[
    "price_above", "price_below", "price_crosses", "change_pct", "rsi_above", "rsi_below"
]
ChannelName = Literal["app", "telegram", "email", "webhook"]
State = Literal["active", "paused", "triggered", "expired"]

WINDOW_MIN_S = 60
WINDOW_MAX_S = 7 * 86_400
_WINDOW_RE = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")
_UNIT_S = {"m": 60, "h": 3600, "d": 86_400}


def window_seconds(text: str) -> int:
    match = _WINDOW_RE.match(text)
    if match is None:
        raise ValueError("window must be like 15m, 1h or 1d")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def window_text(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_S[unit] == 0:
            return f"{seconds // _UNIT_S[unit]}{unit}"
    return f"{seconds // 60}m"  # pragma: no cover - windows are whole minutes


def _window(text: str) -> str:
    seconds = window_seconds(text)
    if not WINDOW_MIN_S <= seconds <= WINDOW_MAX_S:
        raise ValueError("window must be from 1m to 7d")
    return text


Window = Annotated[str, AfterValidator(_window)]
Note = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]
CooldownS = Annotated[int, Field(ge=1, le=7 * 86_400)]


def _app_only() -> list[ChannelName]:
    return ["app"]


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: Symbol
    condition: ConditionName
    value: DecimalStr  # a price, a percent (change_pct: 5 = 5%) or an RSI level
    interval: Interval | None = None  # rsi_*: the candles' interval (default 1h)
    window: Window | None = None  # change_pct: required
    direction: Literal["up", "down", "any"] | None = None  # change_pct (default any)
    recurring: bool = False
    cooldown_s: CooldownS = 60
    expires_at: AwareDatetime | None = None
    note: Note | None = None
    channels: list[ChannelName] = Field(default_factory=_app_only, max_length=4)


class AlertPatch(BaseModel):
    """What an edit may change (the symbol and the condition stay; create another alert)."""

    model_config = ConfigDict(extra="forbid")

    value: DecimalStr | None = None
    interval: Interval | None = None
    window: Window | None = None
    direction: Literal["up", "down", "any"] | None = None
    recurring: bool | None = None
    cooldown_s: CooldownS | None = None
    expires_at: AwareDatetime | None = None
    note: Note | None = None
    channels: list[ChannelName] | None = Field(default=None, max_length=4)


class FiringOut(BaseModel):
    firing_no: int
    price: DecimalStr
    market_ms: int
    late: bool  # found afterwards in the stored candles (the checker was down or missed ticks)
    fired_at: datetime


class AlertOut(BaseModel):
    id: int
    symbol: str
    condition: ConditionName
    value: DecimalStr
    interval: str | None
    window: str | None
    direction: str | None
    recurring: bool
    cooldown_s: int
    expires_at: datetime | None
    note: str | None
    channels: list[str]
    state: State
    firings: int
    last_fired_at: datetime | None
    last_firing: FiringOut | None = None
    created_at: datetime
    updated_at: datetime


class AlertsOut(BaseModel):
    items: list[AlertOut]
    active: int
    max_active: int


AlertId = RowId
Positive = Decimal
