"""Password policy (pure): length 12..128 (ASVS 2.1.1), not common, not the username or email.

The common list (`common_passwords.txt`, ~1000 of the most used passwords, lower-case) is read
once, lazily. A password also counts as common when it is a listed one with digits or symbols
tacked on ("Password2024!" -> "password").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12  # ASVS 2.1.1
MAX_LENGTH = 128
_LIST = Path(__file__).with_name("common_passwords.txt")
_DECORATION = "0123456789!@#$%^&*()_-+=.,;:?~ "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


def password_problems(password: str, *, username: str, email: str) -> list[str]:
    """Reasons the password is refused (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(password) > MAX_LENGTH:
        problems.append("too_long")
    lowered = password.lower()
    common = common_passwords()
    core = lowered.strip(_DECORATION)
    if lowered in common or core in common or len(set(lowered)) < 4:
        problems.append("too_common")
    if username and username.lower() in lowered:
        problems.append("contains_username")
    local = email.partition("@")[0].lower()
    if len(local) >= 3 and local in lowered:
        problems.append("contains_email")
    return problems
