"""The daily scheduled backup (one file a day, retention of BACKUP_KEEP days, once across
concurrent runs) and the `backup` / `restore` commands as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from backend.backup import files, service, tasks
from backend.scheduler import next_run
from backend.worker import CRONS, JOB_SPECS
from tests.conftest import ROOT, make_settings


def _sqlite_db(path: Path) -> str:
    """A small SQLite database with one table and rows (the backup copies any database)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t (v) VALUES (?)", [(f"row{i}",) for i in range(100)])
    return f"sqlite+aiosqlite:///{path}"


def test_the_backup_job_is_scheduled_daily() -> None:
    (cron,) = [c for c in CRONS if c.job == tasks.BACKUP_JOB]
    assert tasks.BACKUP_JOB in {s.name for s in JOB_SPECS}
    first = next_run(cron, datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert (next_run(cron, first) - first).total_seconds() == 24 * 3600


async def test_scheduled_backup_writes_one_file_a_day_and_keeps_the_newest_days(
    tmp_path: Path,
) -> None:
    url = _sqlite_db(tmp_path / "app.db")
    folder = tmp_path / "backups"
    settings = make_settings(url, tmp_path, backup_dir=folder, backup_keep=3)
    ctx = {"settings": settings}
    first = await tasks.backup_database(ctx)
    assert first["created"] is True and first["pruned"] == []
    again = await tasks.backup_database(ctx)  # a second run that day changes nothing
    assert again["created"] is False and again["file"] == first["file"]
    today = folder / str(first["file"])
    mtime = today.stat().st_mtime_ns
    # older days (as earlier runs left them) and a backup taken by hand
    for day in ("20250101", "20250102", "20250103", "20250104"):
        shutil.copyfile(today, folder / f"cryptodemo-{day}.sqlite3")
    manual = await service.backup(url, folder, datetime(2020, 1, 1, tzinfo=UTC))
    third = await tasks.backup_database(ctx)
    assert third["created"] is False
    assert third["pruned"] == ["cryptodemo-20250102.sqlite3", "cryptodemo-20250101.sqlite3"]
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(
        [manual.name, today.name, "cryptodemo-20250104.sqlite3", "cryptodemo-20250103.sqlite3"]
    )
    assert today.stat().st_mtime_ns == mtime  # not rewritten
    assert files.kind_of_file(today) is files.Kind.SQLITE


async def test_concurrent_runs_of_a_day_publish_one_backup(tmp_path: Path) -> None:
    url = _sqlite_db(tmp_path / "app.db")
    folder = tmp_path / "backups"
    now = datetime.now(UTC)
    results = await asyncio.gather(
        *(service.scheduled_backup(url, folder, 7, now) for _ in range(4))
    )
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert [p.name for p in folder.iterdir()] == [results[0].path.name]  # no partial file left


def _cli(*args: str, url: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BACKUP_"))}
    env.update(DATABASE_URL=url, ENV="test", LOG_TO_FILE="false", PYTHONPATH=str(ROOT), **extra)
    cmd = [sys.executable, "-m", "backend.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    source = _sqlite_db(tmp_path / "app.db")
    made = _cli("backup", "--dest", str(tmp_path / "out"), url=source, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip())
    assert backup.parent == tmp_path / "out" and backup.is_file()

    target = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    restored = _cli("restore", str(backup), url=target, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(tmp_path / "new.db") as conn:
        assert conn.execute("SELECT count(*), max(v) FROM t").fetchone() == (100, "row99")

    refused = _cli("restore", str(backup), url=source, cwd=tmp_path)
    assert refused.returncode == 1 and "not empty" in refused.stderr
    forced = _cli("restore", str(backup), "--force", url=source, cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


async def test_the_job_leaves_the_backup_to_an_external_scheduler_when_told(
    tmp_path: Path,
) -> None:
    url = _sqlite_db(tmp_path / "app.db")
    folder = tmp_path / "backups"
    settings = make_settings(url, tmp_path, backup_dir=folder, backup_in_app=False)
    result = await tasks.backup_database({"settings": settings})
    assert "skipped" in result and not folder.exists()


def test_daily_command_is_the_scheduled_backup(tmp_path: Path) -> None:
    """`backup --daily` (the Kubernetes CronJob): one file a day, retention applied."""
    url = _sqlite_db(tmp_path / "app.db")
    out = tmp_path / "out"
    out.mkdir()
    for day in ("20240101", "20240102"):
        (out / f"cryptodemo-{day}.sqlite3").write_bytes(b"SQLite format 3\x00old")
    env_keep = {"BACKUP_KEEP": "2"}
    runs = [_cli("backup", "--daily", "--dest", str(out), url=url, cwd=tmp_path, **env_keep)]
    runs.append(_cli("backup", "--daily", "--dest", str(out), url=url, cwd=tmp_path, **env_keep))
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout
    today = Path(runs[0].stdout.strip())
    assert sorted(p.name for p in out.iterdir()) == ["cryptodemo-20240102.sqlite3", today.name]


async def test_sqlite_backup_is_consistent_while_the_app_writes(tmp_path: Path) -> None:
    """The online backup API copies one committed state: every row a transaction wrote, or none
    of them, while another connection keeps committing pairs of rows."""
    path = tmp_path / "busy.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE pair (id INTEGER PRIMARY KEY, half INTEGER, n INTEGER)")
    stop = asyncio.Event()

    def write() -> int:
        n = 0
        with closing(sqlite3.connect(path)) as conn:
            while not stop.is_set():
                n += 1
                with conn:  # one transaction: both halves or neither
                    conn.execute("INSERT INTO pair (half, n) VALUES (0, ?)", (n,))
                    conn.execute("INSERT INTO pair (half, n) VALUES (1, ?)", (n,))
        return n

    writer = asyncio.create_task(asyncio.to_thread(write))
    backups = []
    for i in range(5):
        await asyncio.sleep(0.05)
        backups.append(
            await service.backup(
                f"sqlite+aiosqlite:///{path}",
                tmp_path / "b",
                datetime(2026, 1, 1, 0, 0, i, tzinfo=UTC),
            )
        )
    stop.set()
    written = await writer
    counts = []
    for backup in backups:
        with closing(sqlite3.connect(backup)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            halves = conn.execute(
                "SELECT half, count(*), max(n) FROM pair GROUP BY half"
            ).fetchall()
            assert len(halves) in (0, 2) and (not halves or halves[0][1:] == halves[1][1:])
            counts.append(halves[0][1] if halves else 0)
    assert counts == sorted(counts) and 0 < counts[-1] <= written
