"""FieldCipher: authenticated, key list with rotation, dev key from SECRET_KEY only."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Settings
from backend.crypto import (
    CipherUnavailable,
    FieldCipher,
    FieldDecryptError,
    build_cipher,
    new_key,
)


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    cipher = FieldCipher([new_key()])
    token = cipher.encrypt("whsec-abc")
    assert "whsec" not in token
    assert cipher.decrypt(token) == "whsec-abc"
    assert cipher.encrypt("whsec-abc") != token  # random IV: equal values do not show


def test_rotation_new_key_first_decrypts_old_rows_and_rotate_moves_them() -> None:
    old, new = new_key(), new_key()
    before = FieldCipher([old]).encrypt("secret")
    rotated = FieldCipher([new, old])
    assert rotated.decrypt(before) == "secret"  # old rows still read
    moved = rotated.rotate(before)
    assert FieldCipher([new]).decrypt(moved) == "secret"  # old key can now be dropped
    with pytest.raises(FieldDecryptError):
        FieldCipher([new]).decrypt(before)


def test_tampered_ciphertext_is_refused() -> None:
    cipher = FieldCipher([new_key()])
    token = cipher.encrypt("secret")
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(FieldDecryptError):
        cipher.decrypt(flipped)


def test_dev_key_derived_from_secret_key_but_not_in_production(tmp_path: Path) -> None:
    dev = Settings(_env_file=None, env="development", secret_key="x" * 48)  # type: ignore[call-arg]
    token = build_cipher(dev).encrypt("v")
    assert build_cipher(dev).decrypt(token) == "v"  # stable across processes
    prod = Settings(_env_file=None, env="production", secret_key="x" * 48)  # type: ignore[call-arg]
    with pytest.raises(CipherUnavailable):
        build_cipher(prod).encrypt("v")
    key = new_key()
    prod_keys = Settings(  # type: ignore[call-arg]
        _env_file=None, env="production", secret_key="x" * 48, field_encryption_keys=key
    )
    assert build_cipher(prod_keys).decrypt(FieldCipher([key]).encrypt("v")) == "v"
