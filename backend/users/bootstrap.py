"""The first admin: from ADMIN_EMAIL / ADMIN_PASSWORD at start-up (idempotent), or the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from loguru import logger
from sqlalchemy.exc import IntegrityError

from backend.db import transaction
from backend.users import service


@asynccontextmanager
async def admin_bootstrap(app: FastAPI) -> AsyncIterator[None]:
    """A STARTUPS hook (backend/main.py): ensures the configured admin exists."""
    settings = app.state.settings
    if settings.admin_email and settings.admin_password is not None:
        try:
            async with transaction(app.state.sessionmaker) as tx:
                user, created = await service.ensure_admin(
                    tx,
                    app.state.passwords,
                    email=settings.admin_email,
                    username=settings.admin_username,
                    password=settings.admin_password.get_secret_value(),
                    now=datetime.now(UTC),
                )
            logger.bind(user_id=user.id, created=created).info("users.admin_bootstrap")
        except IntegrityError:
            # Another replica created it at the same moment: that is the idempotent outcome.
            logger.info("users.admin_bootstrap_raced")
        except service.UsernameTaken as exc:
            raise RuntimeError(
                "ADMIN_USERNAME belongs to another account; set ADMIN_USERNAME to a free name"
            ) from exc
        except service.WeakPassword as exc:
            reasons = ", ".join(exc.details["reasons"])
            raise RuntimeError(
                f"ADMIN_PASSWORD is refused by the password policy: {reasons}"
            ) from exc
    yield
