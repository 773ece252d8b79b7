"""`make bench`: run every bench/*.py in turn (a failure does not stop the others), then print
the SPA bundle sizes when frontend/scripts/bundle-size.mjs exists. Exits 1 if anything failed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SKIP = {"_common.py", "run_all.py"}
# Shorter runs for `make bench` where the script's defaults are the documented full run
ARGS = {"load.py": ["--users", "100", "--duration", "20"]}  # full: 500 users x 60 s


def run(name: str, cmd: list[str]) -> tuple[str, int, float]:
    print(f"\n===== {name} =====", flush=True)
    start = time.perf_counter()
    try:
        rc = subprocess.run(cmd, cwd=ROOT, check=False).returncode
    except OSError as exc:
        print(f"{name}: could not start: {exc}", flush=True)
        rc = 127
    return name, rc, time.perf_counter() - start


def main() -> int:
    results = [
        run(path.name, [sys.executable, str(path), *ARGS.get(path.name, [])])
        for path in sorted(BENCH.glob("*.py"))
        if path.name not in SKIP and not path.name.startswith("_")
    ]
    bundle_script = ROOT / "frontend" / "scripts" / "bundle-size.mjs"
    if bundle_script.is_file():
        node = shutil.which("node") or "node"
        results.append(run("SPA bundle sizes", [node, str(bundle_script.relative_to(ROOT))]))
    else:
        print(f"\n(no {bundle_script.relative_to(ROOT)}: bundle sizes not reported)")

    print("\n===== summary =====")
    for name, rc, seconds in results:
        print(f"{'ok  ' if rc == 0 else 'FAIL'}  {name}  ({seconds:.1f} s, exit {rc})")
    return 1 if any(rc != 0 for _, rc, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
