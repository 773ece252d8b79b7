"""Pure pieces: role order, password policy, token helpers, hashing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.config import Settings
from backend.security import (
    Passwords,
    Role,
    TokenExpired,
    decode_access_token,
    encode_access_token,
    hash_refresh_token,
    new_refresh_token,
)
from backend.users.password_policy import common_passwords, password_problems


def test_role_order() -> None:
    assert Role.ADMIN.at_least(Role.ANALYST) and Role.ADMIN.at_least(Role.TRADER)
    assert Role.ANALYST.at_least(Role.TRADER) and not Role.ANALYST.at_least(Role.ADMIN)
    assert not Role.TRADER.at_least(Role.ANALYST)
    assert all(r.at_least(r) for r in Role)


def test_common_list_is_big_and_lower_case() -> None:
    words = common_passwords()
    assert len(words) >= 1000
    assert all(w == w.lower() for w in words)
    assert {"password", "123456", "qwerty", "iloveyou"} <= words


@pytest.mark.parametrize(
    "password",
    ["Password2024!", "QWERTYUIOP", "1234567890", "!!iloveyou!!", "Dragon12345", "zzzzzzzzzzzz"],
)
def test_common_passwords_and_decorated_ones_are_refused(password: str) -> None:
    assert "too_common" in password_problems(password, username="someone", email="x@example.com")


def test_good_password_passes() -> None:
    assert (
        password_problems("violet-tractor-umbrella", username="alice", email="alice@example.com")
        == []
    )


def test_short_email_local_part_is_not_matched() -> None:
    # a two-letter local part would refuse far too much
    assert password_problems("violet-tractor-jo", username="someone", email="jo@example.com") == []


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, env="test", log_to_file=False, **kw)  # type: ignore[call-arg]


def test_token_round_trip_and_expiry() -> None:
    settings = _settings()
    now = datetime.now(UTC)
    token = encode_access_token(settings, user_id=7, role=Role.ANALYST, token_version=3, now=now)
    claims = decode_access_token(settings, token)
    assert (claims.user_id, claims.role, claims.token_version) == (7, Role.ANALYST, 3)
    old = encode_access_token(
        settings,
        user_id=7,
        role=Role.ANALYST,
        token_version=3,
        now=datetime(2020, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(TokenExpired):
        decode_access_token(settings, old)


def test_refresh_tokens_are_random_and_hashed() -> None:
    a, b = new_refresh_token(), new_refresh_token()
    assert a != b and len(a) >= 43
    assert hash_refresh_token(a) != a and len(hash_refresh_token(a)) == 64


async def test_passwords_hash_verify_and_fast_mode_only_changes_cost() -> None:
    for fast in (True, False):
        passwords = Passwords(fast=fast)
        hashed = await passwords.hash("violet-tractor-umbrella")
        assert hashed.startswith("$argon2id$")
        assert (await passwords.verify_and_update("violet-tractor-umbrella", hashed))[0]
        assert not (await passwords.verify_and_update("violet-tractor-umbrell", hashed))[0]
    # a hash made with the fast parameters is upgraded by the production hasher
    fast_hash = await Passwords(fast=True).hash("violet-tractor-umbrella")
    valid, new_hash = await Passwords(fast=False).verify_and_update(
        "violet-tractor-umbrella", fast_hash
    )
    assert valid and new_hash is not None and new_hash != fast_hash


def test_fast_hashing_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PASSWORD_HASH_FAST"):
        Settings(  # type: ignore[call-arg]
            _env_file=None, env="production", secret_key="s" * 40, password_hash_fast=True
        )
    assert not Settings(_env_file=None, env="development").fast_password_hashing  # type: ignore[call-arg]
    assert _settings().fast_password_hashing


async def test_unknown_hash_format_never_verifies() -> None:
    valid, new_hash = await Passwords(fast=True).verify_and_update("anything-at-all", "$md5$abc")
    assert (valid, new_hash) == (False, None)
