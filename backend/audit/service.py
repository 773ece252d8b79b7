"""Recording and reading the audit log.

`record` adds an entry to the caller's transaction: it is written with the change it describes
(or with the counted failure, for errors that keep their writes) and vanishes with a rolled-back
one. The request id and the client address come from the request being served
(backend/logging.py's request context), so callers pass only what happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.audit.models import AuditEntry
from backend.audit.repository import AuditFilter, AuditRepository
from backend.audit.schemas import AuditEntryOut, AuditPage
from backend.db import Tx
from backend.errors import BadRequest
from backend.logging import current_client_address, current_request_id

USER = "user"
_MAX_TARGET = 64


class BadCursor(BadRequest):
    code = "bad_cursor"
    message = "The cursor is not one this endpoint returned"


def record(
    tx: Tx,
    action: str,
    *,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    client_address: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry inside `tx` (written by its commit)."""
    AuditRepository(tx.session).add(
        AuditEntry(
            at=at or datetime.now(UTC),
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id)[:_MAX_TARGET],
            client_address=client_address or current_client_address(),
            request_id=current_request_id(),
            details=details or None,
        )
    )


def record_for_user(
    tx: Tx,
    action: str,
    user_id: int,
    *,
    by: int | None = None,
    details: dict[str, Any] | None = None,
    client_address: str | None = None,
    at: datetime | None = None,
) -> None:
    """An event about a user's account; the actor is the user unless `by` (an admin) is given."""
    record(
        tx,
        action,
        actor_id=user_id if by is None else by,
        target_type=USER,
        target_id=user_id,
        details=details,
        client_address=client_address,
        at=at,
    )


def _out(entry: AuditEntry, username: str | None) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_username=username,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        client_address=entry.client_address,
        request_id=entry.request_id,
        details=entry.details,
    )


def parse_target(target: str | None) -> tuple[str | None, str | None]:
    """ "user:7" -> ("user", "7"); "7" -> (None, "7")."""
    if not target:
        return None, None
    kind, sep, ident = target.partition(":")
    return (kind, ident) if sep and kind and ident else (None, target)


def _cursor_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise BadCursor()
    return int(cursor)


async def page(tx: Tx, flt: AuditFilter, *, cursor: str | None, limit: int) -> AuditPage:
    """Newest first; `next_cursor` continues after the last item (None: nothing older)."""
    rows = await AuditRepository(tx.session).page(
        flt, before_id=_cursor_id(cursor), limit=limit + 1
    )
    items = [_out(entry, name) for entry, name in rows[:limit]]
    more = len(rows) > limit
    return AuditPage(items=items, next_cursor=str(items[-1].id) if more and items else None)


async def recent_for_user(tx: Tx, user_id: int, limit: int = 20) -> list[AuditEntryOut]:
    rows = await AuditRepository(tx.session).page(
        AuditFilter(involving_user=user_id), before_id=None, limit=limit
    )
    return [_out(entry, name) for entry, name in rows]
