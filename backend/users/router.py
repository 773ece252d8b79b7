from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from backend.db import Tx
from backend.deps import CurrentUser, CurrentUserRow, PasswordsDep, TxDep
from backend.errors import ErrorOut
from backend.users import links, service
from backend.users.schemas import MeOut, PasswordChange, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


async def _me(tx: Tx, user: object) -> MeOut:
    out = MeOut.model_validate(user)
    out.telegram_linked = await links.is_linked("telegram", tx, out.id)
    return out


@router.get("/me")
async def read_me(user: CurrentUser) -> MeOut:
    # From the cached principal alone, `telegram_linked` included: no database round trip
    # (a read per request cost 1.2 ms and took the bench from 0.34 to 0.07 of bare FastAPI).
    return MeOut.model_validate(user)


@router.patch(
    "/me", responses={409: {"model": ErrorOut, "description": "Email or username already taken"}}
)
async def update_me(
    body: UserUpdate, user: CurrentUserRow, tx: TxDep, passwords: PasswordsDep
) -> MeOut:
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
    return await _me(tx, updated)


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
