"""`/alerts`: the user's active alerts, one line each (the alerts domain's repository)."""

from __future__ import annotations

from backend.alerts.repository import AlertRepository
from backend.db import Tx

MAX_LINES = 30


async def active_lines(tx: Tx, user_id: int) -> list[str]:
    rows = [a for a in await AlertRepository(tx.session).of_user(user_id) if a.state == "active"]
    lines = [f"#{a.id} {a.symbol} {a.condition} {a.value.normalize():f}" for a in rows]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"… +{len(lines) - MAX_LINES}"]
    return lines
