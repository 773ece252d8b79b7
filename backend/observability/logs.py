"""Reading the JSON log files back: a bounded tail read, newest first, filtered.

The files are loguru's `serialize=True` lines (backend/logging.py): `{"text", "record": {...}}`,
one per line, in `LOG_DIR/<process>.log` and `LOG_DIR/security.log`. Only the current file of
each source is read (rotated, compressed ones are not), and at most `MAX_SCAN_BYTES` of its end,
so a request costs a bounded amount of I/O whatever the file's size. Cost: O(bytes scanned).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

LogSource = Literal["api", "worker", "security"]
SOURCES: tuple[LogSource, ...] = ("api", "worker", "security")
LEVELS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARNING": 30, "ERROR": 40}
LEVELS["CRITICAL"] = 50
MAX_SCAN_BYTES = 16 * 1024 * 1024
_CHUNK = 256 * 1024
_FIELD_CHARS = 500  # a field's value is cut to this many characters in the answer


@dataclass(frozen=True, slots=True)
class LogFilter:
    level: str | None = None  # this level and above
    q: str | None = None  # case-insensitive, in the message or any field
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    source: LogSource
    time: datetime
    level: str
    message: str
    process: str | None
    request_id: str | None
    fields: dict[str, str]
    exception: str | None


def _lines_backwards(path: Path, max_bytes: int) -> Iterator[bytes]:
    """The file's complete lines, last first, from at most its last `max_bytes` bytes."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        floor = max(0, end - max_bytes)
        pos, rest = end, b""
        while pos > floor:
            step = min(_CHUNK, pos - floor)
            pos -= step
            f.seek(pos)
            block = f.read(step) + rest
            parts = block.split(b"\n")
            rest = parts[0]  # maybe the tail of a line that starts in an earlier block
            yield from reversed(parts[1:])
        if floor == 0 and rest:
            yield rest  # the file's first line (a cut line at `floor` is dropped)


def _parse(source: LogSource, raw: bytes) -> LogLine | None:
    try:
        record = json.loads(raw)["record"]
        extra: dict[str, Any] = dict(record.get("extra") or {})
        stamp = float(record["time"]["timestamp"])
        level = str(record["level"]["name"])
        message = str(record["message"])
    except (ValueError, KeyError, TypeError):
        return None  # not one of our JSON lines (a partial write, a foreign line)
    exc = record.get("exception")
    exception = None
    if isinstance(exc, dict) and exc.get("type"):
        exception = f"{exc.get('type')}: {exc.get('value')}"[:_FIELD_CHARS]
    process = extra.pop("process", None)
    request_id = extra.pop("request_id", None)
    extra.pop("security", None)
    return LogLine(
        source=source,
        time=datetime.fromtimestamp(stamp, UTC),
        level=level,
        message=message,
        process=str(process) if process is not None else None,
        request_id=str(request_id) if request_id is not None else None,
        fields={str(k): _text(v) for k, v in extra.items()},
        exception=exception,
    )


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:_FIELD_CHARS]


def _matches(line: LogLine, flt: LogFilter, min_level: int) -> bool:
    if min_level and LEVELS.get(line.level, 0) < min_level:
        return False
    if flt.request_id is not None and line.request_id != flt.request_id:
        return False
    if flt.q:
        needle = flt.q.casefold()
        haystack = [line.message, line.exception or "", *line.fields.values()]
        if not any(needle in part.casefold() for part in haystack):
            return False
    return True


def tail(
    log_dir: Path,
    sources: list[LogSource],
    flt: LogFilter,
    limit: int,
    *,
    max_scan_bytes: int = MAX_SCAN_BYTES,
) -> list[LogLine]:
    """The last `limit` lines of `sources` that pass `flt`, oldest first (newest last).

    Blocking file I/O: call it in a thread."""
    min_level = LEVELS.get(flt.level.upper(), 0) if flt.level else 0
    found: list[LogLine] = []
    for source in dict.fromkeys(sources):
        path = log_dir / f"{source}.log"
        if not path.is_file():
            continue
        newest_first: list[LogLine] = []
        for raw in _lines_backwards(path, max_scan_bytes):
            if len(newest_first) >= limit:
                break
            # cheap pre-check on the raw bytes before parsing the JSON
            if flt.request_id is not None and flt.request_id.encode() not in raw:
                continue
            line = _parse(source, raw)
            if line is not None and _matches(line, flt, min_level):
                newest_first.append(line)
        found.extend(reversed(newest_first))
    found.sort(key=lambda line: line.time)  # stable: lines of one time keep the file's order
    return found[-limit:]
