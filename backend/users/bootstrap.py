"""The first admin: from ADMIN_EMAIL / ADMIN_PASSWORD at start-up, or the CLI.

Start-up creates that admin only while no active admin exists, and never promotes an existing
account: an account that holds ADMIN_EMAIL later (registered after the admin changed their
address) stays what it is, and a taken ADMIN_USERNAME is logged, not a crash of every replica.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from loguru import logger
from sqlalchemy.exc import IntegrityError

from backend.db import transaction
from backend.runtime import Runtime
from backend.users import service


@asynccontextmanager
async def admin_bootstrap(rt: Runtime) -> AsyncIterator[None]:
    """A part (backend/main.py PARTS): creates the configured admin if there is no admin."""
    settings = rt.settings
    if settings.admin_email and settings.admin_password is not None:
        try:
            async with transaction(rt.sessionmaker) as tx:
                user = await service.ensure_admin(
                    tx,
                    rt.passwords,
                    email=settings.admin_email,
                    username=settings.admin_username,
                    password=settings.admin_password.get_secret_value(),
                    now=datetime.now(UTC),
                )
            if user is None:
                logger.info("users.admin_bootstrap_skipped: an admin exists")
            else:
                logger.bind(user_id=user.id).info("users.admin_bootstrap_created")
        except IntegrityError:
            # Another replica created it at the same moment: that is the idempotent outcome.
            logger.info("users.admin_bootstrap_raced")
        except (service.EmailTaken, service.UsernameTaken) as exc:
            # No admin, and the name or address belongs to someone else: never promote them.
            logger.bind(code=exc.code).error(
                "users.admin_bootstrap_refused: ADMIN_EMAIL or ADMIN_USERNAME belongs to an "
                "existing account, which is not promoted; set free ones or use the CLI"
            )
        except service.WeakPassword as exc:
            reasons = ", ".join(exc.details["reasons"])
            raise RuntimeError(
                f"ADMIN_PASSWORD is refused by the password policy: {reasons}"
            ) from exc
    yield
