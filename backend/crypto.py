"""Secrets at rest: `FieldCipher` encrypts single column values (webhook secrets, Telegram chat
ids) so a database dump alone does not reveal them.

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) through MultiFernet: the first key of
`FIELD_ENCRYPTION_KEYS` encrypts, every key decrypts, so a key is rotated by putting a new key
first, re-encrypting (`python -m backend.cli rotate-field-keys`, notifications/rotation.py) and
dropping the old key later. Outside production, without keys, one key is derived from
SECRET_KEY (dev and tests); in production the keys are required to store such a secret.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

if TYPE_CHECKING:
    from backend.config import Settings


class CipherUnavailable(RuntimeError):
    """No key configured (production without FIELD_ENCRYPTION_KEYS)."""


class FieldDecryptError(ValueError):
    """A ciphertext that no configured key opens (a dropped key, or tampering)."""


class FieldCipher:
    """Authenticated encryption of one text value; `keys`: Fernet keys, the first encrypts."""

    __slots__ = ("_fernet",)

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys]) if keys else None

    def _f(self) -> MultiFernet:
        if self._fernet is None:
            raise CipherUnavailable("FIELD_ENCRYPTION_KEYS is not set")
        return self._fernet

    @property
    def available(self) -> bool:
        return self._fernet is not None

    def encrypt(self, plaintext: str) -> str:
        return self._f().encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._f().decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken as exc:
            raise FieldDecryptError("no configured key decrypts this value") from exc

    def rotate(self, ciphertext: str) -> str:
        """The same value encrypted under the first (current) key."""
        try:
            return self._f().rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise FieldDecryptError("no configured key decrypts this value") from exc


def derived_key(secret: str) -> str:
    """A Fernet key derived from SECRET_KEY (dev and tests only)."""
    digest = hashlib.sha256(b"cryptodemo field encryption\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def build_cipher(settings: Settings) -> FieldCipher:
    keys = list(settings.field_encryption_keys)
    if not keys and settings.env != "production":
        keys = [derived_key(settings.secret_key.get_secret_value())]
    return FieldCipher(keys)


def new_key() -> str:
    """A fresh key for FIELD_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode("ascii")
