from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Cookie, Depends, Header, Request, Response, status

from backend.auth import service, web
from backend.auth.forms import LoginForm
from backend.auth.schemas import RefreshIn, TokenOut
from backend.auth.sessions import TokenPair
from backend.deps import CurrentUserRow, PasswordsDep, SettingsDep, TxDep
from backend.errors import ErrorOut
from backend.ratelimit import client_ip, route_limit
from backend.security import TokenInvalid
from backend.users import service as users_service
from backend.users.schemas import UserCreate, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])

XClient = Annotated[
    str | None, Header(description="`web` for browsers: refresh token in an httpOnly cookie")
]
RefreshCookie = Annotated[str | None, Cookie(alias=web.COOKIE_NAME, include_in_schema=False)]
OptionalRefreshBody = Annotated[RefreshIn | None, Body()]


def _grant(response: Response, pair: TokenPair, *, in_cookie: bool) -> TokenOut:
    # Tokens must never sit in a browser or proxy cache (RFC 6749 section 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=None if in_cookie else pair.refresh_token,
        expires_in=pair.expires_in,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorOut, "description": "Email or username already taken"}},
    dependencies=[Depends(route_limit("register"))],
)
async def register(body: UserCreate, tx: TxDep, passwords: PasswordsDep) -> UserOut:
    user = await users_service.register(
        tx,
        passwords,
        email=str(body.email),
        username=body.username,
        password=body.password,
        now=datetime.now(UTC),
    )
    return UserOut.model_validate(user)


@router.post("/login", dependencies=[Depends(route_limit("login"))])
async def login(
    request: Request,
    response: Response,
    form: Annotated[LoginForm, Depends()],
    tx: TxDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    x_client: XClient = None,
) -> TokenOut:
    """OAuth2 password form: `username` is the username or the email."""
    pair = await service.login(
        tx,
        settings,
        passwords,
        identifier=form.username,
        password=form.password,
        ip=client_ip(request),
        now=datetime.now(UTC),
    )
    browser = web.is_web(x_client)
    if browser:
        web.set_refresh_cookie(
            response, request, settings, pair.refresh_token, max_age=pair.refresh_expires_in
        )
    return _grant(response, pair, in_cookie=browser)


@router.post("/refresh")
async def refresh(
    request: Request,
    response: Response,
    tx: TxDep,
    settings: SettingsDep,
    body: OptionalRefreshBody = None,
    cookie: RefreshCookie = None,
    x_client: XClient = None,
) -> TokenOut:
    """A new token pair for a refresh token (body, or the cookie with X-Client: web)."""
    token, from_cookie = web.pick_refresh_token(
        body.refresh_token if body else None, cookie, x_client
    )
    if token is None:
        raise TokenInvalid("No refresh token was sent")
    pair = await service.refresh(tx, settings, refresh_token=token, now=datetime.now(UTC))
    if from_cookie:
        web.set_refresh_cookie(
            response, request, settings, pair.refresh_token, max_age=pair.refresh_expires_in
        )
    return _grant(response, pair, in_cookie=from_cookie)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    tx: TxDep,
    settings: SettingsDep,
    body: OptionalRefreshBody = None,
    cookie: RefreshCookie = None,
    x_client: XClient = None,
) -> Response:
    """Ends the login the refresh token belongs to (every token rotated from it)."""
    token, _ = web.pick_refresh_token(body.refresh_token if body else None, cookie, x_client)
    if token is not None:
        await service.logout(tx, refresh_token=token, now=datetime.now(UTC))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if web.is_web(x_client) or cookie:
        web.clear_refresh_cookie(response, request, settings)
    return response


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    request: Request, user: CurrentUserRow, tx: TxDep, settings: SettingsDep
) -> Response:
    """Signs out everywhere: every login of the user ends, this one included, and every access
    token stops working at once."""
    await service.logout_all(tx, user, now=datetime.now(UTC))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    web.clear_refresh_cookie(response, request, settings)
    return response
