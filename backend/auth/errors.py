"""Auth errors. Those with `keeps_writes` are raised after writes that must survive the error
(a recorded failed login, a lockout, a revoked token family): see backend.db.transaction.
"""

from __future__ import annotations

from typing import ClassVar

from backend.errors import Forbidden, RateLimited, Unauthorized


class InvalidCredentials(Unauthorized):
    keeps_writes: ClassVar[bool] = True
    code = "invalid_credentials"
    message = "Incorrect username/email or password"


class AccountLocked(RateLimited):
    keeps_writes: ClassVar[bool] = True
    code = "account_locked"
    message = "Too many failed logins from this address; try again later"


class LoginSlowed(RateLimited):
    """The account-wide backstop (backend/auth/lockout.py): wait a few seconds and retry."""

    code = "login_slowed"
    message = "Too many failed logins on this account; retry in a few seconds"


class AccountDisabled(Forbidden):
    keeps_writes: ClassVar[bool] = True  # its audit entry (nothing else is written before it)
    code = "account_disabled"
    message = "This account is disabled"


class RefreshTokenReused(Unauthorized):
    keeps_writes: ClassVar[bool] = True
    code = "token_reused"
    message = "This refresh token was already used; the session has been revoked"


class CsrfRequired(Forbidden):
    code = "csrf_required"
    message = "Cookie-based auth calls need the header X-Client: web"


class NotAuthenticated(Unauthorized):
    code = "not_authenticated"
    message = "Authentication required"


class InsufficientRole(Forbidden):
    code = "insufficient_role"
    message = "Your role does not allow this"
