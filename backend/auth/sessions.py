"""Login sessions: access token + a family of rotating opaque refresh tokens.

Only the SHA-256 of a refresh token is stored. Each refresh spends the presented token and
issues its successor in the same family; presenting a spent token again means it was copied,
so the whole family (that login) is revoked.
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


async def issue(
    tx: Tx, settings: Settings, user: User, *, now: datetime, family_id: str | None = None
) -> TokenPair:
    """A new access token and refresh token (a new family unless `family_id` continues one)."""
    raw = new_refresh_token()
    await RefreshTokenRepository(tx.session).add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4().hex,
            token_hash=hash_refresh_token(raw),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_s),
        )
    )
    access = encode_access_token(
        settings, user_id=user.id, role=user.role, token_version=user.token_version, now=now
    )
    return TokenPair(access, raw, settings.access_token_ttl_s)


async def revoke_all_for_user(tx: Tx, user_id: int, now: datetime) -> None:
    """Every refresh token of the user stops working (password change, block)."""
    await RefreshTokenRepository(tx.session).revoke_all_for_user(user_id, now)
