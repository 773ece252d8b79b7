"""The health-check job: admins are told in the app (and on Telegram, when linked) when a
component goes red or comes back from red.

Idempotent: the last state of each component is stored (`health_states`); a run that finds no
change notifies nothing. The notification's dedupe key names the transition (component, new
side, time of the previous change), so two runs racing over one transition notify once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loguru import logger

from backend.db import Tx, transaction
from backend.jobs import CronSpec, JobContext, JobSpec
from backend.notifications import service as notifications
from backend.observability import health
from backend.observability.models import HealthState
from backend.observability.repository import HealthStateRepository, SummaryRepository
from backend.runtime import Runtime
from backend.telegram import service as telegram_service

JOB = "observability.health_check"
KIND = "system_health"

_TEXT = {
    "en": {
        "red": ("{name} is red", "{message}"),
        "back": ("{name} is back ({status})", "{message}"),
    },
    "ru": {
        "red": ("{name}: красный", "{message}"),
        "back": ("{name}: снова в норме ({status})", "{message}"),
    },
}


async def run_health_check(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    """Check every component, store the states, notify admins of red transitions."""
    now = now or datetime.now(UTC)
    notified: list[str] = []
    async with transaction(rt.sessionmaker) as tx:
        components = await health.check_all(rt, tx, now)
        states = HealthStateRepository(tx.session)
        known = await states.all()
        changes: list[tuple[health.Component, str]] = []  # (component, dedupe key)
        for c in components:
            before = known.get(c.name)
            was_red = before is not None and before.status == "red"
            previous_change = int(before.changed_at.timestamp()) if before is not None else 0
            if before is None:
                row = HealthState(
                    component=c.name,
                    status=c.status,
                    reason=c.message,
                    changed_at=now,
                    checked_at=now,
                )
                states.add(row)
            else:
                if before.status != c.status:
                    before.changed_at = now
                before.status, before.reason, before.checked_at = c.status, c.message, now
            if (c.status == "red") != was_red:
                side = "red" if c.status == "red" else "back"
                changes.append((c, f"health:{c.name}:{side}:{previous_change}"))
        admins = await SummaryRepository(tx.session).admin_ids() if changes else []
        for c, key in changes:
            for admin_id in admins:
                if await _notify(tx, rt, admin_id, c, f"{key}:{admin_id}"):
                    notified.append(f"{c.name}:{c.status}:{admin_id}")
    logger.bind(changes=len(changes), notified=len(notified)).info("health.checked")
    return {"status": health.worst(components), "changes": len(changes), "notified": notified}


async def _notify(tx: Tx, rt: Runtime, admin_id: int, c: health.Component, key: str) -> bool:
    language = await notifications.user_language(tx, admin_id)
    side = "red" if c.status == "red" else "back"
    title, body = _TEXT[language][side]
    linked = await telegram_service.is_linked(tx, admin_id)
    row = await notifications.notify(
        tx,
        user_id=admin_id,
        kind=KIND,
        title=title.format(name=c.name, status=c.status),
        body=body.format(message=c.message),
        channels=["telegram"] if linked else [],
        dedupe_key=key[:200],
        data={"component": c.name, "status": c.status, "reason": c.reason},
        bus=rt.bus,
    )
    return row is not None


async def health_check(ctx: JobContext) -> dict[str, Any]:
    return await run_health_check(ctx["runtime"])


def job_specs() -> list[JobSpec]:
    return [JobSpec(JOB, health_check, timeout_s=60, max_tries=1)]


def crons() -> list[CronSpec]:
    return [CronSpec(JOB)]  # every minute, at second 0
