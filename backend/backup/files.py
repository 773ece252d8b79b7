"""Backup file names, kinds and retention (pure: no database, no subprocess).

A manual backup is `cryptodemo-<YYYYmmddTHHMMSSZ>.<ext>`, the scheduled one of a day
`cryptodemo-<YYYYmmdd>.<ext>`; retention only ever removes the scheduled ones, so a backup taken
by hand before a release stays until someone deletes it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from backend.backup.errors import BackupError

PREFIX = "cryptodemo-"
_DAILY = re.compile(rf"^{PREFIX}(\d{{8}})\.(pgdump|sqlite3)$")


class Kind(StrEnum):
    """What a backup holds, read from its first bytes (never from its name)."""

    POSTGRES = "pgdump"  # pg_dump --format=custom
    SQLITE = "sqlite3"  # a plain SQLite database file

    @property
    def magic(self) -> bytes:
        return b"PGDMP" if self is Kind.POSTGRES else b"SQLite format 3\x00"


def kind_of_file(path: Path) -> Kind | None:
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    with path.open("rb") as f:
        head = f.read(16)
    for kind in Kind:
        if head.startswith(kind.magic):
            return kind
    return None


def manual_name(kind: Kind, now: datetime) -> str:
    return f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}.{kind.value}"


def daily_name(kind: Kind, day: date) -> str:
    return f"{PREFIX}{day.strftime('%Y%m%d')}.{kind.value}"


def daily_backups(folder: Path) -> list[Path]:
    """The scheduled backups in `folder`, newest day first."""
    if not folder.is_dir():
        return []
    found = [(m.group(1), p) for p in folder.iterdir() if (m := _DAILY.match(p.name))]
    return [p for _, p in sorted(found, reverse=True)]


def to_prune(folder: Path, keep: int) -> list[Path]:
    """The scheduled backups beyond the `keep` newest days."""
    return daily_backups(folder)[max(keep, 0) :]
