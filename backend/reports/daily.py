"""The daily report: each user's PnL, trades and alerts of the day as an in-app notification at
their local morning, and a system report for admins.

Users have no time zone yet, so "local" is UTC for everyone: once the hour reaches
DAILY_REPORT_HOUR, the report of the previous UTC day is due. The job runs hourly; each
notification's dedupe key (`daily-report:<user>:<day>`) makes every run after the first one of
the day change nothing, and a user who joins later that morning still gets it on the next run.

Only users who existed that day get its report (one who signed up this morning has no
yesterday). PnL is the change of equity over the day (equity snapshots of the account's current period:
a reset during the day starts the measure at the reset).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.db import transaction
from backend.notifications.service import notify, user_language
from backend.reports.repository import Point, ReportRepository
from backend.security import Role

REPORT_KIND = "daily_report"
SYSTEM_KIND = "system_report"
CENT = Decimal("0.01")


def due_day(now: datetime, hour: int) -> date | None:
    """The day whose report is due at `now` (UTC), or None before the report hour."""
    now = now.astimezone(UTC)
    return now.date() - timedelta(days=1) if now.hour >= hour else None


def day_pnl(
    edges: tuple[Point | None, Point | None, Point] | None,
) -> tuple[Decimal, Decimal] | None:
    """(pnl, closing equity) from (last before the day, first in it, last in it)."""
    if edges is None:
        return None
    before, first, last = edges
    period, close = last
    if before is not None and before[0] == period:
        opening = before[1]
    elif first is not None and first[0] == period:
        opening = first[1]
    else:
        return None
    return close - opening, close


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):,}".replace(",", "\u202f")


def user_text(
    lang: str, day: date, pnl: tuple[Decimal, Decimal] | None, trades: int, fired: int, active: int
) -> tuple[str, str]:
    if lang == "ru":
        title = f"Ежедневный отчёт за {day.isoformat()}"
        money = (
            f"Прибыль/убыток: {'+' if pnl[0] >= 0 else ''}{_money(pnl[0])} USDT "
            f"(капитал {_money(pnl[1])} USDT)."
            if pnl is not None
            else "Нет данных о капитале за этот день."  # noqa: RUF001
        )
        rest = f"Сделок: {trades}. Сработало оповещений: {fired}; активных: {active}."
        return title, f"{money} {rest}"
    title = f"Daily report for {day.isoformat()}"
    money = (
        f"PnL: {'+' if pnl[0] >= 0 else ''}{_money(pnl[0])} USDT (equity {_money(pnl[1])} USDT)."
        if pnl is not None
        else "No equity recorded that day."
    )
    return title, f"{money} Trades: {trades}. Alerts fired: {fired}; active alerts: {active}."


def system_text(lang: str, day: date, f: dict[str, int]) -> tuple[str, str]:
    if lang == "ru":
        return (
            f"Системный отчёт за {day.isoformat()}",
            f"Пользователи: {f['users_total']} (новых {f['users_new']}). Заявок: {f['orders']}, "
            f"исполнений: {f['trades']}. Сработало оповещений: {f['alerts_fired']}. "
            f"Неудачных доставок: {f['deliveries_failed']}. "
            f"Неудачных запусков задач: {f['task_runs_failed']}.",
        )
    return (
        f"System report for {day.isoformat()}",
        f"Users: {f['users_total']} ({f['users_new']} new). Orders: {f['orders']}, "
        f"fills: {f['trades']}. Alerts fired: {f['alerts_fired']}. "
        f"Failed deliveries: {f['deliveries_failed']}. Failed task runs: {f['task_runs_failed']}.",
    )


async def send_daily_reports(
    sm: async_sessionmaker[AsyncSession], bus: Bus | None, *, now: datetime, hour: int
) -> dict[str, Any]:
    day = due_day(now, hour)
    if day is None:
        return {"due": False, "reason": f"before {hour:02d}:00 UTC"}
    start = datetime.combine(day, time(0), UTC)
    end = start + timedelta(days=1)
    sent = admins = 0
    async with transaction(sm) as tx:
        repo = ReportRepository(tx.session)
        users = await repo.active_users(created_before=end)  # who had that day
        edges = await repo.equity_edges(start, end)
        fired = await repo.alerts_fired(start, end)
        active = await repo.active_alerts()
        trades = await repo.trades(start, end)
        figures = (
            await repo.system_figures(start, end) if any(r == Role.ADMIN for _, r in users) else {}
        )
        for user_id, role in users:
            lang = await user_language(tx, user_id)
            pnl = day_pnl(edges.get(user_id))
            title, body = user_text(
                lang,
                day,
                pnl,
                trades.get(user_id, 0),
                fired.get(user_id, 0),
                active.get(user_id, 0),
            )
            data = {"day": day.isoformat(), "pnl": None if pnl is None else str(pnl[0])}
            row = await notify(
                tx,
                user_id=user_id,
                kind=REPORT_KIND,
                title=title,
                body=body,
                channels=[],
                dedupe_key=f"daily-report:{user_id}:{day.isoformat()}",
                data=data,
                bus=bus,
            )
            sent += row is not None
            if role != Role.ADMIN:
                continue
            title, body = system_text(lang, day, figures)
            row = await notify(
                tx,
                user_id=user_id,
                kind=SYSTEM_KIND,
                title=title,
                body=body,
                channels=[],
                dedupe_key=f"system-report:{user_id}:{day.isoformat()}",
                data={"day": day.isoformat(), **figures},
                bus=bus,
            )
            admins += row is not None
    return {"due": True, "day": day.isoformat(), "user_reports": sent, "system_reports": admins}
