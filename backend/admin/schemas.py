from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from backend.audit.schemas import AuditEntryOut
from backend.security import Role
from backend.trading.schemas import Amount
from backend.users.schemas import UserOut


class AdminUserOut(UserOut):
    updated_at: AwareDatetime
    last_login_at: AwareDatetime | None = None
    locked_until: AwareDatetime | None = None


class UserPage(BaseModel):
    items: list[AdminUserOut]
    total: int
    page: int
    page_size: int


class AdminUserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = None


class AdminBalanceOut(BaseModel):
    asset: str
    free: Amount
    locked: Amount


class AdminAccountOut(BaseModel):
    """The user's demo trading account (None on the user page when never opened)."""

    period: int
    period_started_at: AwareDatetime
    balances: list[AdminBalanceOut]
    equity: Amount
    equity_asset: str


class AdminAlertsOut(BaseModel):
    total: int
    active: int


class AdminUserDetail(BaseModel):
    user: AdminUserOut
    account: AdminAccountOut | None
    alerts: AdminAlertsOut
    telegram_linked: bool
    recent_events: list[AuditEntryOut]
