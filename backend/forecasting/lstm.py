"""The one torch module: the LSTM, its training and its predictions (worker child processes only).

Nothing in the API process imports this file (tests/forecasting/test_no_torch.py checks it);
`child.py` runs these functions in a spawned child process of the worker or of the in-process
job runner. Inputs and outputs are NumPy arrays and plain values, so they cross the process
boundary by pickling.

The network reads the last `lookback` log returns (divided by the training returns' standard
deviation) and predicts the next one. Determinism: fixed seeds, `use_deterministic_algorithms`,
a fixed thread count and a seeded generator for the batch order, so the same data and
hyperparameters give the same weights bit for bit on one machine (CPU).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch  # noqa: TID251 - the one module allowed to
from numpy.typing import NDArray
from torch import nn  # noqa: TID251

THREADS = 1  # one intra-op thread: the same reduction order on every run (bit-for-bit)
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
PATIENCE = 5  # epochs without a better validation loss before stopping early


@dataclass(frozen=True, slots=True)
class Hyper:
    lookback: int
    hidden: int
    layers: int
    epochs: int
    seed: int


class Net(nn.Module):
    def __init__(self, hidden: int, layers: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x.unsqueeze(-1))
        return self.head(out[:, -1, :]).squeeze(-1)  # type: ignore[no-any-return]


def device_for(setting: str) -> torch.device:
    if setting == "cuda" or (setting == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def _setup(seed: int) -> None:
    # deterministic cuBLAS (CUDA >= 10.2) needs a fixed workspace, set before CUDA starts
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(THREADS)


def windows(returns: NDArray[np.float64], targets: NDArray[np.intp], lookback: int) -> NDArray[Any]:
    """Row i: returns[t - lookback : t] for target t = targets[i] (only data before t)."""
    offsets = np.arange(-lookback, 0)
    rows: NDArray[Any] = returns[targets[:, None] + offsets[None, :]]
    return rows


def _tensor(a: NDArray[Any], device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)


def _predict(net: Net, x: torch.Tensor) -> NDArray[np.float64]:
    net.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, x.shape[0], 4096):
            outs.append(net(x[i : i + 4096]).cpu().numpy())
    return np.concatenate(outs).astype(np.float64) if outs else np.zeros(0)


def train(
    returns: NDArray[np.float64],
    train_idx: NDArray[np.intp],
    val_idx: NDArray[np.intp],
    test_idx: NDArray[np.intp],
    hyper: Hyper,
    *,
    device: str,
    weights_path: Path,
    progress_path: Path,
) -> dict[str, Any]:
    """Train with early stopping on the validation loss; save the best weights to
    `weights_path`; one JSON line per epoch to `progress_path`. Returns the scale, the epochs,
    the validation residuals and the test predictions (log returns) of the best weights."""
    _setup(hyper.seed)
    dev = device_for(device)
    scale = float(np.std(returns[train_idx])) or 1.0
    z = returns / scale
    x_train, y_train = (
        _tensor(windows(z, train_idx, hyper.lookback), dev),
        _tensor(z[train_idx], dev),
    )
    x_val = _tensor(windows(z, val_idx, hyper.lookback), dev)
    net = Net(hyper.hidden, hyper.layers).to(dev)
    optim = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.MSELoss()
    gen = torch.Generator().manual_seed(hyper.seed)
    best_loss, best_epoch, best_state = math.inf, 0, _state_bytes(net)
    history: list[dict[str, float]] = []
    started = time.monotonic()
    for epoch in range(1, hyper.epochs + 1):
        net.train()
        order = torch.randperm(x_train.shape[0], generator=gen)
        total = 0.0
        for i in range(0, len(order), BATCH_SIZE):
            batch = order[i : i + BATCH_SIZE].to(dev)
            optim.zero_grad()
            loss = loss_fn(net(x_train[batch]), y_train[batch])
            loss.backward()
            optim.step()
            total += float(loss.item()) * len(batch)
        train_loss = total / max(1, x_train.shape[0])
        val_loss = float(np.mean((_predict(net, x_val) - z[val_idx]) ** 2))
        if val_loss < best_loss:
            best_loss, best_epoch, best_state = val_loss, epoch, _state_bytes(net)
        elapsed = time.monotonic() - started
        row = {
            "epoch": epoch,
            "epochs": hyper.epochs,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "best_epoch": best_epoch,
            "elapsed_s": elapsed,
            "eta_s": elapsed / epoch * (hyper.epochs - epoch),
        }
        history.append(row)
        with progress_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        if epoch - best_epoch >= PATIENCE:
            break
    weights_path.write_bytes(best_state)
    net.load_state_dict(torch.load(io.BytesIO(best_state), weights_only=True))
    val_pred = _predict(net, x_val) * scale
    x_test = _tensor(windows(z, test_idx, hyper.lookback), dev)
    return {
        "scale": scale,
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "history": history,
        "seconds": time.monotonic() - started,
        "val_residuals": returns[val_idx] - val_pred,
        "test_pred": _predict(net, x_test) * scale,
        "torch_version": torch.__version__,
        "fixed": {
            "batch_size": BATCH_SIZE,
            "learning_rate": LEARNING_RATE,
            "patience": PATIENCE,
            "threads": THREADS,
        },
        "device": str(dev),
    }


def _state_bytes(net: Net) -> bytes:
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return buf.getvalue()


def _load(weights_path: Path, hyper: Hyper, device: str) -> tuple[Net, torch.device]:
    _setup(hyper.seed)
    dev = device_for(device)
    net = Net(hyper.hidden, hyper.layers).to(dev)
    net.load_state_dict(torch.load(weights_path, map_location=dev, weights_only=True))
    return net, dev


def predict(
    weights_path: Path,
    hyper: Hyper,
    scale: float,
    returns: NDArray[np.float64],
    targets: NDArray[np.intp],
    *,
    device: str,
) -> NDArray[np.float64]:
    """One-step predictions of returns[t] for each target t, each from returns before t only."""
    net, dev = _load(weights_path, hyper, device)
    x = _tensor(windows(returns / scale, targets, hyper.lookback), dev)
    return _predict(net, x) * scale


def predict_path(
    weights_path: Path,
    hyper: Hyper,
    scale: float,
    recent: NDArray[np.float64],
    horizon: int,
    *,
    device: str,
) -> NDArray[np.float64]:
    """The next `horizon` returns after `recent` (its last `lookback` values), each step fed
    back as input to the next (recursive multi-step forecast)."""
    net, dev = _load(weights_path, hyper, device)
    window = list(recent[-hyper.lookback :] / scale)
    out: list[float] = []
    for _ in range(horizon):
        x = _tensor(np.asarray([window[-hyper.lookback :]]), dev)
        step = float(_predict(net, x)[0])
        out.append(step * scale)
        window.append(step)
    return np.asarray(out, dtype=np.float64)
