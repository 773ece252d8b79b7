"""Password hashing (pwdlib: Argon2id, bcrypt verified and upgraded), JWT access tokens, roles.

Access tokens are HS256 JWTs decoded with the algorithm pinned, so `alg: none` or an RS/HS
confusion never verifies. Refresh tokens are opaque random strings stored only as a SHA-256 hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from backend.config import Settings
from backend.errors import Unauthorized

JWT_ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud", "role", "ver"]
_LEEWAY_S = 5  # clock skew between replicas
_T = TypeVar("_T")
DEFAULT_HASH_CONCURRENCY = int(Settings.model_fields["password_hash_concurrency"].default)


class Role(StrEnum):
    """trader < analyst < admin: each role has every right of the ones before it."""

    TRADER = "trader"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_ROLE_RANK = {Role.TRADER: 0, Role.ANALYST: 1, Role.ADMIN: 2}


class TokenExpired(Unauthorized):
    code = "token_expired"
    message = "The access token has expired"


class TokenInvalid(Unauthorized):
    code = "token_invalid"
    message = "The token is not valid"


class Passwords:
    """Argon2id hashes; bcrypt hashes verify and are re-hashed (upgraded) on the next login.

    Hashing runs in a worker thread: argon2-cffi releases the GIL, so logins do not stall the
    event loop. Each Argon2 hash takes 64 MiB, so at most `concurrency` run at once
    (PASSWORD_HASH_CONCURRENCY); the others wait their turn on the event loop instead of
    piling up on the thread pool (a login burst cannot exhaust a small pod's memory).
    `fast=True` (test suites only) uses tiny Argon2 parameters.
    """

    def __init__(self, *, fast: bool = False, concurrency: int = DEFAULT_HASH_CONCURRENCY) -> None:
        argon = (
            Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2Hasher()
        )
        self._hash = PasswordHash((argon, BcryptHasher()))
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        # Made up front: a first unknown-account login must cost the same as the others.
        self._dummy = self._hash.hash(secrets.token_urlsafe(16))

    async def _run(self, fn: Callable[..., _T], *args: str) -> _T:
        async with self._slots:
            return await asyncio.to_thread(fn, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self._hash.hash, password)

    async def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        """(valid, new hash or None): a new hash when the stored one is bcrypt or outdated."""
        try:
            result: tuple[bool, str | None] = await self._run(
                self._hash.verify_and_update, password, hashed
            )
        except UnknownHashError:  # a corrupt or foreign hash never verifies
            await self.verify_dummy(password)
            return False, None
        return result

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification, so unknown accounts answer as slowly."""
        await self._run(self._hash.verify, password, self._dummy)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    role: Role
    token_version: int
    jti: str
    issued_at: datetime
    expires_at: datetime


def encode_access_token(
    settings: Settings, *, user_id: int, role: Role, token_version: int, now: datetime
) -> str:
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "role": role.value,
        "ver": token_version,  # bumped by a password change: older tokens stop working
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.access_token_ttl_s)).timestamp()),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verified claims; raises TokenExpired or TokenInvalid (bad signature, alg, iss, aud...)."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=_LEEWAY_S,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.InvalidTokenError as exc:
        raise TokenInvalid() from exc
    try:
        return AccessClaims(
            user_id=int(claims["sub"]),
            role=Role(claims["role"]),
            token_version=int(claims["ver"]),
            jti=str(claims["jti"]),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), tz=UTC),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        )
    except (TypeError, ValueError) as exc:
        raise TokenInvalid() from exc


class AccessTokens:
    """decode_access_token with a small LRU of tokens already verified (one per app).

    PyJWT checks the base64 alphabet character by character in Python, and every request
    decodes its token twice (rate-limit key, then the current user): the cache saves both. A
    hit is still checked for expiry; only tokens that verified are cached, under their exact
    string, so a cached answer is the answer a fresh decode would give.
    """

    def __init__(self, settings: Settings, *, size: int = 4096) -> None:
        self._settings = settings
        self._size = size
        self._cache: OrderedDict[str, AccessClaims] = OrderedDict()

    def decode(self, token: str) -> AccessClaims:
        claims = self._cache.get(token)
        if claims is None:
            claims = decode_access_token(self._settings, token)
            self._cache[token] = claims
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(token)
        if claims.expires_at.timestamp() + _LEEWAY_S < time.time():
            self._cache.pop(token, None)
            raise TokenExpired()
        return claims

    def peek_user_id(self, token: str) -> int | None:
        """The verified subject, or None; no database, for rate-limit keys."""
        try:
            return self.decode(token).user_id
        except Unauthorized:
            return None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_refresh_token(token: str) -> str:
    # A 256-bit random token needs no salt or slow hash: SHA-256 cannot be brute-forced back.
    return hashlib.sha256(token.encode()).hexdigest()
