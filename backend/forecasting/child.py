"""Run the torch work in a spawned child process (the API and the job runner's event loop never
import torch). The entry points are module-level functions taking plain values; each imports
`lstm` inside the child."""

from __future__ import annotations

import asyncio
import multiprocessing
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


async def in_child(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` in a fresh spawned process; the caller's loop stays free. A
    cancelled caller (job timeout, shutdown) terminates the child at once."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, *, error: bool) -> None:
        if done.done():
            return
        if error:
            done.set_exception(value)
        else:
            done.set_result(value)

    pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        pool.apply_async(
            fn,
            args,
            kwargs,
            callback=lambda v: loop.call_soon_threadsafe(partial(settle, v, error=False)),
            error_callback=lambda e: loop.call_soon_threadsafe(partial(settle, e, error=True)),
        )
        return await done
    finally:
        await asyncio.to_thread(pool.terminate)


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
