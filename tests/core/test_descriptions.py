"""Descriptions say only what exists: a route a docstring or README names is served, and the
package description and the deployment guide do not present a feature that the README's status
table lists as not built yet (issue 10 §2)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from starlette.routing import Match

from backend.main import create_app
from tests.conftest import ROOT, make_settings

MENTION = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")
PARAM = re.compile(r"\{[^}]*\}")
API_PREFIX = "/api/v1"


def _not_built() -> list[str]:
    """Stems of the README status table's "not built yet" areas (none once all are built)."""
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 2 and cells[1].startswith("not built yet"):
            return [item.split()[-1].lower().rstrip("s") for item in cells[0].split(",")]
    return []  # everything in the status table is built


def _documents() -> list[Path]:
    return [
        *sorted((ROOT / "backend").rglob("*.py")),
        ROOT / "README.md",
        ROOT / "deploy" / "README.md",
    ]


def test_every_route_a_docstring_or_readme_names_exists(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path))  # no built SPA: no catch-all route

    def served(method: str, url: str) -> bool:
        """As written, or under the API prefix (docs often write `PATCH /users/me`)."""
        for path in (url, API_PREFIX + url):
            scope = {"type": "http", "method": method, "path": PARAM.sub("1", path),
                     "root_path": "", "headers": [], "query_string": b"", "app": app}  # fmt: skip
            if any(r.matches(scope)[0] is Match.FULL for r in app.router.routes):
                return True
        return False

    missing = [
        f"{path.relative_to(ROOT)}: {method} {url}"
        for path in _documents()
        for method, url in MENTION.findall(path.read_text())
        if not served(method, url)
    ]
    assert missing == []


def test_the_package_description_names_no_feature_that_is_not_built() -> None:
    description = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["description"]
    named = [stem for stem in _not_built() if stem in description.lower()]
    assert named == [], description


def test_the_deployment_guide_calls_a_feature_not_built_planned() -> None:
    """A line of deploy/README.md may mention a later feature only as planned / not built."""
    claims = [
        line
        for line in (ROOT / "deploy" / "README.md").read_text().splitlines()
        if any(stem in line.lower() for stem in _not_built())
        and not re.search(r"planned|not built|no code uses", line)
    ]
    assert claims == []
