"""Key rotation of the encrypted columns: re-encrypt every value under the first key.

Rotation (README "Notifications"): 1. put a new key first in FIELD_ENCRYPTION_KEYS, keep the old
ones after it, restart (new values use the new key, old ones still decrypt); 2. run
`python -m backend.cli rotate-field-keys` (every value re-encrypted under the new key);
3. drop the old key and restart. `ENCRYPTED_COLUMNS` names every `FieldCipher` column (table,
its single-column primary key, the column); tests/notifications/test_rotation.py checks that
each exists.
"""

from __future__ import annotations

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.all_models import metadata
from backend.crypto import FieldCipher
from backend.db import transaction

ENCRYPTED_COLUMNS: list[tuple[str, str, str]] = [
    ("notification_settings", "user_id", "webhook_secret"),
    ("telegram_links", "user_id", "chat_id_enc"),
]


async def rotate_all(sessionmaker: async_sessionmaker[AsyncSession], cipher: FieldCipher) -> int:
    """Re-encrypt every value of every encrypted column under the first key; values done."""
    done = 0
    for table_name, pk_name, column_name in ENCRYPTED_COLUMNS:
        table: Table = metadata.tables[table_name]
        pk, column = table.c[pk_name], table.c[column_name]
        async with transaction(sessionmaker) as tx:
            rows = (await tx.session.execute(select(pk, column).where(column.is_not(None)))).all()
            for key, value in rows:
                await tx.session.execute(
                    update(table)
                    .where(pk == key)
                    .where(column == value)  # changed meanwhile: left as it is (current key)
                    .values({column_name: cipher.rotate(str(value))})
                )
                done += 1
    return done
