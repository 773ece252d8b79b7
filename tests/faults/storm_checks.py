"""What an order storm must show after an outage: every answer well-formed and in time, and
every order in the database exactly as the answers said (tests/faults/test_postgres_outage.py)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import median

from fastapi import FastAPI
from sqlalchemy import select

from backend.trading.models import Order
from tests.faults.order_storm import Call, Trader


def check_answers(
    every: list[Call], down: float, up_begin: float, up: float, bound_s: float
) -> str:
    """No hang, no transport error, no 5xx but a well-formed 503; only 503 while down; none
    once the server is up again."""
    lost = [c for c in every if c.status is None]
    assert not lost, f"requests without an answer (bound {bound_s} s): {lost[:5]}"
    bad = [c for c in every if c.status is not None and c.status >= 500 and (
        c.status != 503 or c.code != "database_unavailable" or c.retry_after != "1")]  # fmt: skip
    assert not bad, f"5xx other than 503 database_unavailable + Retry-After: {bad[:5]}"
    during = [c for c in every if c.started >= down and c.ended <= up_begin]
    assert during and all(c.status == 503 for c in during), Counter(c.status for c in during)
    after = [c for c in every if c.started >= up and c.status == 503]
    assert not after, f"503 after the server was back: {after[:5]}"
    before = [c.ended - c.started for c in every if c.ended < down and c.status is not None]
    took = [c.ended - c.started for c in during]
    return (f"{len(every)} requests, {len(during)} during the outage (all 503 in median"
            f" {median(took) * 1000:.0f} ms, slowest {max(took) * 1000:.0f} ms; answers before"
            f" the outage: median {median(before) * 1000:.0f} ms),"
            f" {sum(c.status == 503 for c in every)} 503 in all")  # fmt: skip


async def check_orders(app: FastAPI, traders: list[Trader]) -> dict[str, int]:
    """Every order answered 2xx exists once with that id; a refused one (4xx) does not exist; an
    unanswered one (503) is there once after its retry, placed by whichever try committed."""
    async with app.state.runtime.sessionmaker() as s:
        rows = (
            await s.execute(select(Order.user_id, Order.client_order_id, Order.id, Order.status))
        ).all()
    in_db = Counter((r.user_id, r.client_order_id) for r in rows)
    assert max(in_db.values()) == 1
    ids = {(r.user_id, r.client_order_id): r.id for r in rows}
    status = {r.id: r.status for r in rows}
    sent = {(t.user_id, coid) for t in traders for coid in t.sent}
    assert set(in_db) <= sent, f"orders nobody placed: {set(in_db) - sent}"
    tally = Counter[str]()
    for t in traders:
        by_coid: dict[str, list[Call]] = {}
        for c in t.calls:
            if c.kind == "place":
                by_coid.setdefault(c.key, []).append(c)
            elif c.status == 200:  # a cancel answered: the order is canceled for good
                assert status[int(c.key)] == "CANCELED", (c, status[int(c.key)])
                tally["canceled"] += 1
            elif c.status == 400 and any(p.key == c.key and p.retry for p in t.calls):
                # a retried cancel refused: its first try committed, or a fill came first
                assert status[int(c.key)] in ("CANCELED", "FILLED"), (c, status[int(c.key)])
                tally["cancel_in_doubt"] += 1
        for coid, tries in by_coid.items():
            final = tries[-1]
            assert not final.retry, (coid, final)
            key = (t.user_id, coid)
            if final.order is None:
                assert key not in ids, f"{coid} refused ({final.status}) yet stored"
                tally["refused"] += 1
                continue
            got = {c.order["id"] for c in tries if c.order is not None}
            assert got == {ids[key]}, (coid, got, ids.get(key))
            tally["placed"] += 1
            if len(tries) > 1:
                created = datetime.fromisoformat(final.order["created_at"]).timestamp()
                committed_before = created < final.started_wall  # an earlier try's row
                tally["in_doubt_committed" if committed_before else "retried_placed"] += 1
                if committed_before and final.order["type"] == "LIMIT":
                    tally["in_doubt_resting"] += 1
    assert tally["in_doubt_committed"] >= 1, f"no commit was in doubt: {tally}"
    assert tally["retried_placed"] >= 3, f"the outage's placements not placed by a retry: {tally}"
    return dict(tally)
