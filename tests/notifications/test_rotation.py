"""Key rotation on stored rows: a new key first still decrypts rows written under the old one,
`rotate-field-keys` moves them to the new key, and then the old key can go."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from backend.all_models import metadata
from backend.crypto import FieldCipher, FieldDecryptError, new_key
from backend.main import create_app
from backend.notifications.rotation import ENCRYPTED_COLUMNS, rotate_all
from tests.conftest import asgi_client, make_settings
from tests.notifications.conftest import FAST
from tests.notifications.helpers import runtime, user
from tests.notifications.receiver import receiver

OLD, NEW = new_key(), new_key()


@pytest.mark.parametrize("overrides", [{"field_encryption_keys": OLD}])
async def test_rotation_keeps_old_rows_readable(
    app: FastAPI, client: httpx.AsyncClient, db_url: str, tmp_path: Path
) -> None:
    _, auth = await user(client, "alice")
    async with receiver() as rec:
        resp = await client.put("/api/v1/webhook", json={"url": rec.url}, headers=auth)
        secret = resp.json()["secret"]

        rotated = create_app(
            make_settings(db_url, tmp_path, **FAST, field_encryption_keys=f"{NEW},{OLD}")
        )
        async with rotated.router.lifespan_context(rotated), asgi_client(rotated) as c2:
            # the old row decrypts: the test POST is signed with the stored secret
            assert (await c2.post("/api/v1/webhook/test", headers=auth)).json()["delivered"]
            assert await rotate_all(runtime(rotated).sessionmaker, runtime(rotated).cipher) == 1
        async with runtime(app).sessionmaker() as session:
            stored = (
                await session.execute(text("SELECT webhook_secret FROM notification_settings"))
            ).scalar_one()
        assert FieldCipher([NEW]).decrypt(stored) == secret
        with pytest.raises(FieldDecryptError):
            FieldCipher([OLD]).decrypt(stored)

        only_new = create_app(make_settings(db_url, tmp_path, **FAST, field_encryption_keys=NEW))
        async with only_new.router.lifespan_context(only_new), asgi_client(only_new) as c3:
            assert (await c3.post("/api/v1/webhook/test", headers=auth)).json()["delivered"]
        assert len(rec.requests) == 2


def test_every_encrypted_column_exists() -> None:
    for table, pk, column in ENCRYPTED_COLUMNS:
        assert [c.name for c in metadata.tables[table].primary_key] == [pk]
        assert column in metadata.tables[table].c


@pytest.mark.parametrize("overrides", [{"field_encryption_keys": OLD}])
async def test_rotation_covers_telegram_chat_ids(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, _ = await user(client, "alice")
    rt = runtime(app)
    async with rt.sessionmaker() as session, session.begin():
        await session.execute(
            metadata.tables["telegram_links"]
            .insert()
            .values(
                user_id=uid,
                chat_key="k",
                chat_id_enc=FieldCipher([OLD]).encrypt("424242"),
                linked_at=datetime.now(UTC),
            )
        )
    assert await rotate_all(rt.sessionmaker, FieldCipher([NEW, OLD])) == 1
    async with rt.sessionmaker() as session:
        stored = (
            await session.execute(text("SELECT chat_id_enc FROM telegram_links"))
        ).scalar_one()
    assert FieldCipher([NEW]).decrypt(stored) == "424242"
