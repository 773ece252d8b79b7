"""PostgreSQL: pg_dump --format=custom and pg_restore (the client tools of the server's major
version or newer), connected through libpq environment variables (no password on a command line)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from backend.backup.errors import BackupError

_USER_TABLES = (
    "SELECT count(*) FROM pg_catalog.pg_tables"
    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)


def libpq_env(url: str) -> dict[str, str]:
    """PG* variables for `url` (a SQLAlchemy URL, any driver), on top of this process's env."""
    parsed = make_url(url)
    env = dict(os.environ)
    fields = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
    }
    ssl = parsed.query.get("sslmode") or parsed.query.get("ssl")
    if isinstance(ssl, str):
        fields["PGSSLMODE"] = {"true": "require", "false": "disable"}.get(ssl, ssl)
    env.update({k: v for k, v in fields.items() if v})
    return env


async def _run(url: str, *args: str) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"{args[0]} is not installed (Debian/Ubuntu: postgresql-client)")
    proc = await asyncio.create_subprocess_exec(
        tool,
        *args[1:],
        env=libpq_env(url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip()
        raise BackupError(f"{args[0]} failed (exit {proc.returncode}): {message}")


async def dump(url: str, target: Path) -> None:
    """A consistent snapshot (one repeatable-read transaction) in the custom format: compressed,
    restorable table by table with pg_restore. Owners and grants are left out: a restore makes
    the connecting role own everything, so it works on another server or under another role."""
    await _run(
        url, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"
    )


async def restore(url: str, source: Path, *, clean: bool) -> None:
    """All or nothing (one transaction); `clean` drops the dump's objects first (--force)."""
    args = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    parsed = make_url(url)
    await _run(url, *args, f"--dbname={parsed.database}", str(source))


async def is_empty(url: str) -> bool:
    """No table outside the system schemas (a database just made by `createdb`)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            count = (await conn.execute(text(_USER_TABLES))).scalar_one()
    except (DBAPIError, OSError) as exc:  # no such database, refused, wrong password, ...
        raise BackupError(f"cannot reach the target database: {exc}") from exc
    finally:
        await engine.dispose()
    return int(count) == 0
