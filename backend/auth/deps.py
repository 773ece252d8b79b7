"""Auth dependency logic. The Annotated aliases (CurrentUser, RequireRole, AdminUser, ...) are
declared in backend/deps.py next to TxDep.

`authenticate_principal` serves most requests from the per-process principal cache (no
database, no transaction); backend/auth/principals.py says how a block, a password change or a
role change still applies at once. `authenticate` loads the user row in the request's
transaction, for the routes that change that row.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth import principals
from backend.auth.errors import InsufficientRole, NotAuthenticated
from backend.auth.principals import Principal, PrincipalCache
from backend.db import Tx
from backend.errors import Unauthorized
from backend.security import AccessClaims, AccessTokens, Role, TokenInvalid
from backend.users import service as users_service
from backend.users.models import User

LOGIN_PATH = "/api/v1/auth/login"
_U = TypeVar("_U", User, Principal)

# auto_error=False: a missing token becomes our own 401 shape. Swagger UI's "Authorize"
# button uses the password flow against the login endpoint.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=LOGIN_PATH, auto_error=False)


def _check(user: User | Principal | None, claims: AccessClaims) -> None:
    if user is None:
        raise TokenInvalid()
    # Before the version: blocking also moves the version on, and says so.
    if not user.is_active:
        raise Unauthorized("This account is disabled", code="account_disabled")
    if user.token_version != claims.token_version:
        raise TokenInvalid()


async def authenticate(tokens: AccessTokens, tx: Tx, token: str | None) -> User:
    """The active user behind a bearer access token, loaded in `tx`, or 401."""
    if not token:
        raise NotAuthenticated()
    claims = tokens.decode(token)
    user = await users_service.get_user(tx, claims.user_id)
    _check(user, claims)
    assert user is not None
    return user


async def authenticate_principal(
    tokens: AccessTokens,
    cache: PrincipalCache,
    sessionmaker: async_sessionmaker[AsyncSession],
    token: str | None,
) -> Principal:
    """The active principal behind a bearer access token (cached; see principals.py), or 401."""
    if not token:
        raise NotAuthenticated()
    claims = tokens.decode(token)
    principal = await principals.load(cache, sessionmaker, claims.user_id)
    _check(principal, claims)
    assert principal is not None
    return principal


class PrincipalBearer(SecurityBase):
    """The `oauth2_scheme` security scheme (same OpenAPI entry) that resolves the principal
    itself: one FastAPI dependency per request instead of token-then-user (bench/api_overhead).
    """

    def __init__(self) -> None:
        self.model = oauth2_scheme.model
        self.scheme_name = oauth2_scheme.scheme_name

    async def __call__(self, request: Request) -> Principal:
        # The header is read exactly as OAuth2PasswordBearer(auto_error=False) reads it.
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        state = request.app.state.runtime
        return await authenticate_principal(
            state.access_tokens,
            state.principals,
            state.sessionmaker,
            token if scheme.lower() == "bearer" else None,
        )


current_principal = PrincipalBearer()


def check_role(user: _U, role: Role) -> _U:
    if not user.role.at_least(role):
        raise InsufficientRole(details={"required": role.value})
    return user
