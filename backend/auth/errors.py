"""Auth errors. Those with `keeps_writes` are raised after writes that must survive the error
(a recorded failed login, a lockout, a revoked token family): see auth.deps.get_tx_keeping_writes.
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
    message = "Too many failed logins; the account is locked for a while"


class AccountDisabled(Forbidden):
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
