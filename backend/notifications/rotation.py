"""Key rotation of the encrypted columns: re-encrypt every value under the first key.

Rotation (README "Notifications"): 1. put a new key first in FIELD_ENCRYPTION_KEYS, keep the old
ones after it, restart (new values use the new key, old ones still decrypt); 2. run
`python -m backend.cli rotate-field-keys` (every value re-encrypted under the new key);
3. drop the old key and restart. `ENCRYPTED_COLUMNS` lists every encrypted column; a domain
with one adds it (`register_encrypted_column`).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from backend.crypto import FieldCipher
from backend.db import transaction
from backend.notifications.models import NotificationSettings

ENCRYPTED_COLUMNS: list[tuple[InstrumentedAttribute[object], InstrumentedAttribute[object]]] = []


def register_encrypted_column(
    primary_key: InstrumentedAttribute[object], column: InstrumentedAttribute[object]
) -> None:
    """A column holding `FieldCipher` text, with its table's (single) primary key."""
    if (primary_key, column) not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append((primary_key, column))


register_encrypted_column(
    NotificationSettings.user_id,
    NotificationSettings.webhook_secret,
)


async def rotate_all(sessionmaker: async_sessionmaker[AsyncSession], cipher: FieldCipher) -> int:
    """Re-encrypt every value of every registered column under the first key; values done."""
    done = 0
    for pk, column in ENCRYPTED_COLUMNS:
        async with transaction(sessionmaker) as tx:
            rows = (await tx.session.execute(select(pk, column).where(column.is_not(None)))).all()
            for key, value in rows:
                await tx.session.execute(
                    update(column.class_)
                    .where(pk == key)
                    .where(column == value)  # changed meanwhile: left as it is (current key)
                    .values({column.key: cipher.rotate(str(value))})
                )
                done += 1
    return done
