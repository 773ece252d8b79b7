"""The API process imports only what it needs at start (README "Sizing per 1,000 users";
bench/rss.py measures the memory): building the app loads neither scipy (the Diebold-Mariano
p-value, worker side) nor TA-Lib (the first indicator loads it) nor pandas (TA-Lib wraps its
functions for pandas when it can import it; pandas is a dev-only package). Then an indicator is
computed in the same process: TA-Lib loads on that first use and gives its value."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_START = ("scipy", "talib", "pandas", "torch")

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from backend.config import Settings
    from backend.main import create_app

    settings = Settings(_env_file=None, env="test", database_url="sqlite+aiosqlite:///{db}",
                        log_to_file=False, log_level="WARNING", market_source="replay",
                        run_ingestor="no", web_dist_dir="{tmp}/no-dist")
    create_app(settings)
    at_start = sorted(m for m in {names} if m in sys.modules)

    from backend.analysis.registry import Bars, parse_spec
    close = np.linspace(100.0, 130.0, 60) + np.sin(np.arange(60))
    bars = Bars(close, close + 1, close - 1, close, np.ones(60), 3_600_000)
    rsi = parse_spec("rsi:14").compute(bars)["rsi"]
    print(json.dumps({{"at_start": at_start, "talib_after": "talib" in sys.modules,
                      "rsi_last": float(rsi[-1])}}))
    """
)


def test_app_start_leaves_heavy_packages_unimported(tmp_path: Path) -> None:
    script = SCRIPT.format(db=tmp_path / "app.db", tmp=tmp_path, names=NOT_AT_START)
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["at_start"] == [], f"imported while building the app: {result['at_start']}"
    assert result["talib_after"], "computing an indicator did not load TA-Lib"
    assert 0.0 < result["rsi_last"] < 100.0, result
