"""Browser clients: the refresh token as an httpOnly cookie, and the CSRF header check.

The cookie is SameSite=Strict, scoped to the auth path, Secure behind HTTPS. A request that
relies on the cookie must also carry `X-Client: web`: a cross-site form cannot set custom
headers, and a cross-site fetch with one needs a CORS preflight that our allow-list refuses.
"""

from __future__ import annotations

from fastapi import Request, Response

from backend.auth.errors import CsrfRequired
from backend.config import Settings

COOKIE_NAME = "refresh_token"
COOKIE_PATH = "/api/v1/auth"
WEB_CLIENT = "web"


def is_web(x_client: str | None) -> bool:
    return (x_client or "").strip().lower() == WEB_CLIENT


def set_refresh_cookie(
    response: Response, request: Request, settings: Settings, token: str, *, max_age: int
) -> None:
    """`max_age`: the token's own lifetime (it never outlives the login's absolute end)."""
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.hsts or request.url.scheme == "https",
    )


def clear_refresh_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.hsts or request.url.scheme == "https",
    )


def pick_refresh_token(
    body_token: str | None, cookie_token: str | None, x_client: str | None
) -> tuple[str | None, bool]:
    """(token, came from the cookie). The body wins; the cookie needs the CSRF header."""
    if body_token:
        return body_token, False
    if cookie_token:
        if not is_web(x_client):
            raise CsrfRequired()
        return cookie_token, True
    return None, False
