"""SQLite: the online backup API (`sqlite3.Connection.backup`), a consistent copy while the app
keeps writing; a restore copies pages the same way into the target file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.backup.errors import BackupError


def db_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database)


def _open_existing(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def dump(url: str, target: Path) -> None:
    with closing(_open_existing(db_path(url))) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def restore(url: str, source: Path) -> None:
    path = db_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(_open_existing(source)) as src:
        check = src.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError(f"{source} is damaged: {check}")
        with closing(sqlite3.connect(path)) as dst:
            src.backup(dst)


def is_empty(url: str) -> bool:
    """No file, an empty file, or a database without tables."""
    path = db_path(url)
    if not path.exists() or path.stat().st_size == 0:
        return True
    with closing(_open_existing(path)) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchone()
    return int(count) == 0
