"""The checks `bench/load.py` runs over the whole database once every process has stopped.

* ledger: `tests/trading/ledger_checks.py` (the tests' checker) for every account;
* orders: every order the driver was answered 201 for is stored once, and nothing else is
  (except an order whose request failed without an answer, counted as an unknown outcome);
* alerts: each alert's counter equals its firing rows, numbered 1..n; each firing has exactly
  one notification (`alert:<id>:<n>`) for the alert's owner and each alert notification its
  firing; each notification has one outbox delivery per extra channel the alert asked for
  (webhook), sent, and the receiver got each delivery's key, signed, no more often than tried;
* live: a user whose `/ws` stream stayed open saw each of its notifications exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
from _load_user import User
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.db import make_engine
from tests.trading.ledger_checks import assert_ledger_whole


@dataclass
class Hooks:
    """What the driver's webhook receiver recorded: per idempotency key, each request's
    user and whether its signature verified."""

    received: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    unknown_path: int = 0


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    def fail(self, what: str, items: Sequence[object]) -> None:
        if items:
            self.failures.append(f"{what}: {len(items)} (first: {items[:5]})")


async def ledger(conn: asyncpg.Connection, url: str, users: list[User], report: Report) -> None:
    """Every account (a user who never traded has none, and no order either)."""
    rows = await conn.fetch("SELECT user_id FROM trading_accounts")
    with_account = {int(r["user_id"]) for r in rows}
    engine = make_engine(url, pool_size=4)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    broken: list[object] = []
    try:
        for user_id in sorted(with_account):
            try:
                await assert_ledger_whole(maker, user_id)
            except AssertionError as exc:
                broken.append((user_id, str(exc)[:200]))
    finally:
        await engine.dispose()
    report.figures["accounts_checked"] = len(with_account)
    no_account = [u.user_id for u in users if u.placed and u.user_id not in with_account]
    report.fail("user with orders but no account", no_account)
    report.fail("ledger invariant broken (user, detail)", broken)


async def orders(conn: asyncpg.Connection, users: list[User], report: Report) -> None:
    rows = await conn.fetch("SELECT id, user_id, client_order_id FROM orders")
    stored = Counter(int(r["id"]) for r in rows)
    answered = Counter(oid for u in users for oid in u.placed)
    unknown = {cid for u in users for cid in u.unknown_outcome}
    report.figures["orders_stored"] = len(rows)
    report.figures["orders_answered_201"] = sum(answered.values())
    report.fail("order answered 201 more than once", [o for o, n in answered.items() if n > 1])
    report.fail("order answered 201, not stored", sorted(set(answered) - set(stored)))
    extra = [
        r["id"] for r in rows if r["id"] not in answered and r["client_order_id"] not in unknown
    ]
    report.fail("order stored that no answer gave", extra)


async def alerts(conn: asyncpg.Connection, users: list[User], hooks: Hooks, report: Report) -> None:
    report.figures["alerts"] = int(await conn.fetchval("SELECT count(*) FROM alerts"))
    report.figures["alerts_fired"] = int(
        await conn.fetchval("SELECT count(*) FROM alerts WHERE firings > 0")
    )
    report.figures["firings"] = int(await conn.fetchval("SELECT count(*) FROM alert_firings"))
    counters = await conn.fetch(
        "SELECT a.id, a.firings, count(f.id) AS n, coalesce(max(f.firing_no), 0) AS top"
        " FROM alerts a LEFT JOIN alert_firings f ON f.alert_id = a.id GROUP BY a.id"
        " HAVING a.firings <> count(f.id) OR a.firings <> coalesce(max(f.firing_no), 0)"
    )
    report.fail("alert whose counter differs from its firings", [tuple(r) for r in counters])
    no_note = await conn.fetch(
        "SELECT f.alert_id, f.firing_no, count(n.id) AS n FROM alert_firings f"
        " JOIN alerts a ON a.id = f.alert_id"
        " LEFT JOIN notifications n ON n.dedupe_key = 'alert:' || f.alert_id || ':' || f.firing_no"
        "  AND n.user_id = a.user_id AND n.alert_id = f.alert_id"
        " GROUP BY f.alert_id, f.firing_no HAVING count(n.id) <> 1"
    )
    report.fail("firing without exactly one notification", [tuple(r) for r in no_note])
    orphans = await conn.fetch(
        "SELECT n.id FROM notifications n WHERE n.kind = 'alert' AND NOT EXISTS (SELECT 1 FROM"
        " alert_firings f WHERE n.dedupe_key = 'alert:' || f.alert_id || ':' || f.firing_no)"
    )
    report.fail("alert notification without its firing", [r["id"] for r in orphans])
    await _deliveries(conn, hooks, report)
    await _live(conn, users, report)


async def _deliveries(conn: asyncpg.Connection, hooks: Hooks, report: Report) -> None:
    wrong = await conn.fetch(
        "SELECT n.id, a.channels::text AS wanted, count(d.id) AS n FROM notifications n"
        " JOIN alerts a ON a.id = n.alert_id"
        " LEFT JOIN notification_deliveries d ON d.notification_id = n.id"
        " WHERE n.kind = 'alert' GROUP BY n.id, a.channels::text"
        " HAVING count(d.id) <> CASE WHEN a.channels::text LIKE '%webhook%' THEN 1 ELSE 0 END"
        "  OR count(d.id) FILTER (WHERE d.channel <> 'webhook') > 0"
    )
    report.fail(
        "notification without one webhook delivery per asked channel", [tuple(r) for r in wrong]
    )
    rows = await conn.fetch(
        "SELECT idempotency_key, user_id, state, attempts FROM notification_deliveries"
    )
    report.figures["webhook_deliveries"] = len(rows)
    report.figures["webhook_requests_received"] = sum(len(v) for v in hooks.received.values())
    report.fail(
        "delivery not sent",
        [(r["idempotency_key"][:8], r["state"]) for r in rows if r["state"] != "sent"],
    )
    keys = {r["idempotency_key"]: r for r in rows}
    missing = [k[:8] for k in keys if k not in hooks.received]
    report.fail("delivery the receiver never got", missing)
    report.fail("request with an unknown key", [k[:8] for k in hooks.received if k not in keys])
    repeats = [
        (k[:8], len(v), keys[k]["attempts"])
        for k, v in hooks.received.items()
        if k in keys and len(v) > max(1, keys[k]["attempts"])
    ]
    report.fail("key received more often than tried (key, received, attempts)", repeats)
    forged = [k[:8] for k, v in hooks.received.items() if not all(ok for _, ok in v)]
    report.fail("webhook request with a bad signature", forged)
    wrong_user = [
        k[:8]
        for k, v in hooks.received.items()
        if k in keys and any(u != keys[k]["user_id"] for u, _ in v)
    ]
    report.fail("webhook request sent to another user's URL", wrong_user)
    report.fail(
        "webhook request on an unknown path", [hooks.unknown_path] if hooks.unknown_path else []
    )


async def _live(conn: asyncpg.Connection, users: list[User], report: Report) -> None:
    rows = await conn.fetch("SELECT id, user_id FROM notifications")
    by_user: dict[int, set[int]] = {}
    for r in rows:
        by_user.setdefault(int(r["user_id"]), set()).add(int(r["id"]))
    report.figures["notifications"] = len(rows)
    watched = [u for u in users if u.config.ws and u.ws_closed is None]
    report.figures["streams_open_whole_run"] = len(watched)
    report.figures["notification_frames"] = sum(len(u.notifications_seen) for u in watched)
    twice, lost, foreign = [], [], []
    for u in watched:
        seen = Counter(u.notifications_seen)
        twice += [(u.user_id, n) for n, k in seen.items() if k > 1]
        mine = by_user.get(u.user_id, set())
        lost += [(u.user_id, n) for n in sorted(mine - set(seen))]
        foreign += [(u.user_id, n) for n in seen if n not in mine]
    report.fail("notification frame received twice (user, id)", twice)
    report.fail("notification never reached its open stream (user, id)", lost)
    report.fail("notification frame that is not the user's (user, id)", foreign)
