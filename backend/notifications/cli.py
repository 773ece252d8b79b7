"""`python -m backend.cli rotate-field-keys`: re-encrypt secrets at rest under the first key of
FIELD_ENCRYPTION_KEYS (rotation.py)."""

from __future__ import annotations

import argparse
import asyncio

from backend.config import get_settings
from backend.crypto import build_cipher
from backend.db import make_engine, make_sessionmaker
from backend.notifications.rotation import rotate_all


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "rotate-field-keys", help="re-encrypt secrets at rest under FIELD_ENCRYPTION_KEYS' first"
    )
    p.set_defaults(handler=_rotate)


async def _run() -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        return await rotate_all(make_sessionmaker(engine), build_cipher(settings))
    finally:
        await engine.dispose()


def _rotate(_args: argparse.Namespace) -> int:
    done = asyncio.run(_run())
    print(f"rotate-field-keys: {done} values re-encrypted")  # noqa: T201
    return 0
