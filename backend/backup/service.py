"""Back up and restore the app's database (PostgreSQL or SQLite), and the daily scheduled backup.

A backup is written under a hidden temporary name and published with a hard link, which fails
when the name exists: two processes running the same day's backup at once publish one file,
and nobody ever sees half a file under a backup's name. Files are private to the owner (0600):
they hold password hashes and the encrypted secrets.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from backend.backup import files, postgres, sqlite
from backend.backup.errors import BackupError
from backend.backup.files import Kind


@dataclass(frozen=True, slots=True)
class ScheduledResult:
    path: Path
    created: bool  # False: this day's backup existed already (or another process wrote it)
    pruned: list[Path]

    def summary(self) -> dict[str, object]:
        return {
            "file": self.path.name,
            "created": self.created,
            "bytes": self.path.stat().st_size,
            "pruned": [p.name for p in self.pruned],
        }


def kind_of_url(url: str) -> Kind:
    if url.startswith("sqlite"):
        return Kind.SQLITE
    if url.startswith("postgresql"):
        return Kind.POSTGRES
    raise BackupError(f"no backup method for {url.split(':', 1)[0]} databases")


async def _dump(url: str, target: Path) -> None:
    if kind_of_url(url) is Kind.POSTGRES:
        await postgres.dump(url, target)
    else:
        await asyncio.to_thread(sqlite.dump, url, target)


def _partial(folder: Path, name: str) -> Path | None:
    """A fresh temporary path beside `folder/name`, or None when that file exists already."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if (folder / name).exists():
        return None
    return folder / f".{name}.{uuid.uuid4().hex}.partial"


def _publish(partial: Path, final: Path) -> bool:
    partial.chmod(0o600)
    try:
        os.link(partial, final)  # never replaces: the first of two writers wins
    except FileExistsError:
        return False
    return True


async def _write(url: str, folder: Path, name: str) -> bool:
    """Dump into `folder/name`; False (and nothing written) when that file exists already."""
    partial = _partial(folder, name)
    if partial is None:
        return False
    try:
        await _dump(url, partial)
        return _publish(partial, folder / name)
    finally:
        partial.unlink(missing_ok=True)


async def backup(url: str, dest: Path, now: datetime) -> Path:
    """A backup by hand (`python -m backend.cli backup`): a new file named by the time."""
    name = files.manual_name(kind_of_url(url), now)
    if not await _write(url, dest, name):
        raise BackupError(f"{dest / name} exists already")
    return dest / name


async def scheduled_backup(url: str, folder: Path, keep: int, now: datetime) -> ScheduledResult:
    """This day's backup unless it exists, then the days beyond the `keep` newest removed."""
    name = files.daily_name(kind_of_url(url), now.date())
    created = await _write(url, folder, name)
    pruned = files.to_prune(folder, keep)
    for path in pruned:
        path.unlink(missing_ok=True)
    return ScheduledResult(folder / name, created, pruned)


async def is_empty(url: str) -> bool:
    if kind_of_url(url) is Kind.POSTGRES:
        return await postgres.is_empty(url)
    return await asyncio.to_thread(sqlite.is_empty, url)


async def restore(url: str, source: Path, *, force: bool = False) -> Kind:
    """Restore `source` into the database at `url`: refused unless that database is empty
    (no tables) or `force` is given (then the backup's objects replace the ones there)."""
    kind = files.kind_of_file(source)
    target = kind_of_url(url)
    if kind is None:
        raise BackupError(f"{source} is neither a pg_dump custom archive nor a SQLite database")
    if kind is not target:
        raise BackupError(f"{source} is a {kind.name} backup; the database is {target.name}")
    if not force and not await is_empty(url):
        raise BackupError(
            "the target database is not empty: restore into a new database, "
            "or pass --force to replace what is there"
        )
    if kind is Kind.POSTGRES:
        await postgres.restore(url, source, clean=force)
    else:
        await asyncio.to_thread(sqlite.restore, url, source)
    return kind
