from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel


class AuditEntryOut(BaseModel):
    id: int
    at: AwareDatetime
    actor_id: int | None
    actor_username: str | None
    action: str
    target_type: str | None
    target_id: str | None
    client_address: str | None
    request_id: str | None
    details: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = None
