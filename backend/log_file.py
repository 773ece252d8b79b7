"""A log file that survives a full disk (or any failing write) without flooding stderr.

loguru catches a failing sink write and prints the record and a traceback to stderr, for every
line: on a full disk that is one traceback per request, on the same stderr that the container
logs keep. This sink wraps loguru's own rotating file sink and reports the first failure once,
as one JSON line on stderr, counts the lines it had to drop, and reports once more (with the
count) when a write succeeds again. The file stays open, so when space comes back logging
resumes by itself (the lines written meanwhile are lost; a line cut by the disk filling up may
come out partial).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

# Private module, but the only way to keep loguru's rotation, retention and compression
# (loguru 0.7.x; tests/faults/test_disk_full.py fails if it moves).
from loguru._file_sink import FileSink


class GuardedFileSink:
    """File-like loguru sink: `write` never raises; failures and recovery are reported once."""

    def __init__(self, path: Path, **file_options: Any) -> None:
        self.path = path
        self._file = FileSink(str(path), **file_options)  # type: ignore[no-untyped-call] # loguru's private sink is untyped
        self.failing = False
        self.dropped = 0

    def write(self, message: str) -> None:
        try:
            self._file.write(message)  # type: ignore[no-untyped-call] # see above
        except OSError as exc:
            self.dropped += 1
            if not self.failing:
                self.failing = True
                self._report("log.file_write_failed", error=str(exc))
            return
        if self.failing:
            self.failing = False
            self._report("log.file_write_recovered", dropped=self.dropped)
            self.dropped = 0

    def stop(self) -> None:
        try:
            self._file.stop()  # type: ignore[no-untyped-call] # see above
        except OSError as exc:  # the last buffered lines cannot be written: say so, once
            self._report("log.file_close_failed", error=str(exc))

    def _report(self, event: str, **fields: object) -> None:
        line = {"time": time.time(), "level": "WARNING", "event": event, "path": str(self.path)}
        try:
            sys.stderr.write(json.dumps({**line, **fields}) + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # stderr gone too: nothing left to tell
