"""The one error of backups and restores: a message for the operator (CLI) or the job's run."""

from __future__ import annotations


class BackupError(Exception):
    pass
