"""Account schemas. Input schemas forbid unknown fields: a `role` or `balance` is a 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from backend.security import Role

Username = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,32}$"), Field(examples=["satoshi"])
]
# The policy (12..128, not common, ...) is checked by the service as `weak_password`; this
# bound only keeps absurd bodies away from the hasher.
PasswordField = Annotated[str, Field(min_length=1, max_length=1024)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    username: Username
    password: PasswordField


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    username: Username | None = None
    current_password: PasswordField | None = Field(
        default=None, description="Required when `email` changes"
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: PasswordField
    new_password: PasswordField


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    username: str
    role: Role
    is_active: bool
    created_at: AwareDatetime


class MeOut(UserOut):
    """The signed-in user, with what is linked to the account."""

    telegram_linked: bool = Field(
        default=False, description="A Telegram chat is linked (`POST /telegram/link`)"
    )
