"""Run the torch work in a spawned child process (the API and the job runner's event loop never
import torch). The entry points are module-level functions taking plain values; each imports
`lstm` inside the child."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


async def in_child(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` in a fresh spawned process; the caller's loop stays free."""
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await loop.run_in_executor(pool, partial(fn, *args, **kwargs))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def train_entry(
    returns: NDArray[np.float64],
    splits: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]],
    hyper: dict[str, int],
    device: str,
    weights_path: Path,
    progress_path: Path,
) -> dict[str, Any]:
    from backend.forecasting import lstm

    train_idx, val_idx, test_idx = splits
    return lstm.train(
        returns,
        train_idx,
        val_idx,
        test_idx,
        lstm.Hyper(**hyper),
        device=device,
        weights_path=weights_path,
        progress_path=progress_path,
    )


def predict_entry(
    weights_path: Path,
    hyper: dict[str, int],
    scale: float,
    returns: NDArray[np.float64],
    targets: NDArray[np.intp],
    device: str,
) -> NDArray[np.float64]:
    from backend.forecasting import lstm

    return lstm.predict(weights_path, lstm.Hyper(**hyper), scale, returns, targets, device=device)


def path_entry(
    weights_path: Path,
    hyper: dict[str, int],
    scale: float,
    recent: NDArray[np.float64],
    horizon: int,
    device: str,
) -> NDArray[np.float64]:
    from backend.forecasting import lstm

    return lstm.predict_path(
        weights_path, lstm.Hyper(**hyper), scale, recent, horizon, device=device
    )
