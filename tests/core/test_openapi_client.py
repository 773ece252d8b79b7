"""The typed web client is generated from the backend's OpenAPI (`make client`). This test fails
when the backend's API changed and frontend/openapi.json was not regenerated; the Vitest test
src/api/schema-fresh.test.ts then checks schema.d.ts against that file."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_frontend_openapi_matches_the_backend() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "backend.openapi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    committed = json.loads((ROOT / "frontend" / "openapi.json").read_text())
    assert json.loads(out.stdout) == committed, "frontend/openapi.json is stale: run `make client`"
