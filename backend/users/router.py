from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from backend.deps import CurrentUser, CurrentUserRow, PasswordsDep, TxDep
from backend.users import service
from backend.users.schemas import PasswordChange, UserOut, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
async def read_me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.patch("/me")
async def update_me(
    body: UserUpdate, user: CurrentUserRow, tx: TxDep, passwords: PasswordsDep
) -> UserOut:
    """Changes the username and/or email; a new email needs `current_password` too."""
    updated = await service.update_profile(
        tx,
        passwords,
        user,
        email=str(body.email) if body.email is not None else None,
        username=body.username,
        current_password=body.current_password,
        now=datetime.now(UTC),
    )
    return UserOut.model_validate(updated)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange, user: CurrentUserRow, tx: TxDep, passwords: PasswordsDep
) -> Response:
    """Changes the password and ends every session, this one included: log in again."""
    await service.change_password(
        tx,
        passwords,
        user,
        current=body.current_password,
        new=body.new_password,
        now=datetime.now(UTC),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
