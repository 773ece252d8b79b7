"""Login sessions: access token + a family of rotating opaque refresh tokens.

Only the SHA-256 of a refresh token is stored. Each refresh spends the presented token and
issues its successor in the same family; presenting a spent token again means it was copied,
so the whole family (that login) is revoked. A family ends REFRESH_TOKEN_ABSOLUTE_TTL_S after the
login whatever the rotations, and when the user's token version moves on (password change,
block, "sign out everywhere").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.auth.models import RefreshToken
from backend.auth.repository import RefreshTokenRepository
from backend.config import Settings
from backend.db import Tx
from backend.security import encode_access_token, hash_refresh_token, new_refresh_token
from backend.users.models import User


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives
    refresh_expires_in: int  # seconds the refresh token lives (never past the login's end)


async def issue(
    tx: Tx, settings: Settings, user: User, *, now: datetime, parent: RefreshToken | None = None
) -> TokenPair:
    """A new access token and refresh token: a new login, or the successor of `parent` in its
    family (same absolute end: rotation never extends a login)."""
    raw = new_refresh_token()
    if parent is None:
        family_id = uuid.uuid4().hex
        family_end = now + timedelta(seconds=settings.refresh_token_absolute_ttl_s)
    else:
        family_id, family_end = parent.family_id, parent.family_expires_at
    expires_at = min(now + timedelta(seconds=settings.refresh_token_ttl_s), family_end)
    await RefreshTokenRepository(tx.session).add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_refresh_token(raw),
            created_at=now,
            expires_at=expires_at,
            family_expires_at=family_end,
            token_version=user.token_version,
        )
    )
    access = encode_access_token(
        settings, user_id=user.id, role=user.role, token_version=user.token_version, now=now
    )
    refresh_s = max(0, int((expires_at - now).total_seconds()))
    return TokenPair(access, raw, settings.access_token_ttl_s, refresh_s)


async def revoke_all_for_user(tx: Tx, user_id: int, now: datetime) -> None:
    """Every refresh token of the user stops working ("sign out everywhere")."""
    await RefreshTokenRepository(tx.session).revoke_all_for_user(user_id, now)
