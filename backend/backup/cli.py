"""`python -m backend.cli backup [--dest DIR]` and `restore FILE [--force]` (README "Operations")."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from backend.backup import service
from backend.backup.errors import BackupError
from backend.config import get_settings


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "backup", help="back up the database (pg_dump custom format, or a SQLite copy)"
    )
    p.add_argument("--dest", type=Path, help="folder to write to (default: $BACKUP_DIR)")
    p.add_argument(
        "--daily",
        action="store_true",
        help="the scheduled job's backup: this day's file unless it exists, then the "
        "$BACKUP_KEEP newest days kept (for cron / a Kubernetes CronJob)",
    )
    p.set_defaults(handler=_backup)
    p = subparsers.add_parser(
        "restore", help="restore a backup into the (empty) database at DATABASE_URL"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true", help="restore over a database that holds tables")
    p.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace) -> int:
    settings = get_settings()
    dest: Path = args.dest or settings.backup_dir
    now = datetime.now(UTC)
    try:
        if args.daily:
            result = asyncio.run(
                service.scheduled_backup(settings.database_url, dest, settings.backup_keep, now)
            )
            path = result.path
        else:
            path = asyncio.run(service.backup(settings.database_url, dest, now))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(path)  # noqa: T201 - the file, for scripts
    return 0


def _restore(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        asyncio.run(service.restore(settings.database_url, args.file, force=args.force))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"restored {args.file}")  # noqa: T201
    return 0
