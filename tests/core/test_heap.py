"""The API process freezes its start-up objects out of the collector's way (backend/heap.py)."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from backend import heap


async def test_a_started_app_has_frozen_its_startup_objects(app: FastAPI) -> None:
    assert gc.get_freeze_count() > 0, "the lifespan did not gc.freeze() the start-up objects"
    before = gc.get_freeze_count()
    assert heap.freeze_startup_objects() is False  # once per process: later apps freeze nothing
    assert gc.get_freeze_count() == before
