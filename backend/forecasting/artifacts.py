"""Model artifacts on disk: `<FORECAST_MODELS_DIR>/<model_id>/model.pt` (the weights) and
`card.json` (symbol, interval, data range, hyperparameters, metrics, torch version, file hash)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

WEIGHTS = "model.pt"
CARD = "card.json"
PROGRESS = "progress.jsonl"


def new_model_id(symbol: str, interval: str, at: datetime, job_id: str) -> str:
    return f"{symbol.lower()}-{interval}-{at:%Y%m%d-%H%M%S}-{job_id[:8]}"


def model_dir(root: Path, model_id: str) -> Path:
    return root / model_id


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_card(folder: Path, card: dict[str, Any]) -> None:
    tmp = folder / f"{CARD}.tmp"
    tmp.write_text(json.dumps(card, indent=2, sort_keys=True))
    tmp.replace(folder / CARD)


def read_card(folder: Path) -> dict[str, Any]:
    card: dict[str, Any] = json.loads((folder / CARD).read_text())
    return card


def weights_path(root: Path, card: dict[str, Any]) -> Path:
    """The weights of a card, checked against its hash (a replaced or torn file is refused)."""
    path = model_dir(root, card["model_id"]) / WEIGHTS
    if not path.is_file():
        raise FileNotFoundError(f"the weights of model {card['model_id']} are not in {root}")
    if sha256(path) != card["weights_sha256"]:
        raise ValueError(f"the weights of model {card['model_id']} do not match its card's hash")
    return path
