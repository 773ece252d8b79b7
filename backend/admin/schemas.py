from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from backend.security import Role
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
