"""`python -m backend.cli create-admin --email ... --username ... [--password ...]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from datetime import UTC, datetime

from backend.config import get_settings
from backend.db import make_engine, make_sessionmaker, transaction
from backend.errors import AppError
from backend.security import Passwords
from backend.users import service


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "create-admin", help="create an admin account (an email or username in use is refused)"
    )
    p.add_argument("--email", required=True)
    p.add_argument("--username", required=True)
    p.add_argument(
        "--password",
        help="default: $ADMIN_PASSWORD, else asked for (a flag shows up in shell history)",
    )
    p.set_defaults(handler=_create_admin)


def _create_admin(args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        created = asyncio.run(_run(args.email, args.username, password))
    except AppError as exc:
        print(f"error: {exc.code}: {exc.message} {exc.details or ''}".rstrip(), file=sys.stderr)  # noqa: T201
        return 1
    print("admin created" if created else "admin already existed")  # noqa: T201
    return 0


async def _run(email: str, username: str, password: str) -> bool:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        passwords = Passwords(fast=settings.fast_password_hashing)
        async with transaction(make_sessionmaker(engine)) as tx:
            _, created = await service.create_admin(
                tx,
                passwords,
                email=email,
                username=username,
                password=password,
                now=datetime.now(UTC),
            )
        return created
    finally:
        await engine.dispose()
