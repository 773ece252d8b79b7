"""The README is the user's manual: its configuration table must list every setting."""

from __future__ import annotations

import re

from backend.config import Settings
from tests.conftest import ROOT


def _table_names() -> set[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index("<!-- settings-table:start -->")
    end = text.index("<!-- settings-table:end -->")
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text[start:end], flags=re.M))


def test_every_setting_is_documented_in_the_readme() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    documented = _table_names()
    assert sorted(fields - documented) == [], "settings missing from README's table"
    assert sorted(documented - fields) == [], "README documents settings that do not exist"


def test_readme_gives_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text


def test_env_example_lists_only_real_settings() -> None:
    """Every name is a setting, or a variable docker-compose.yml interpolates (`${NAME...}`)."""
    fields = {name.upper() for name in Settings.model_fields}
    compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    names = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M)
    )
    assert names and names <= fields | compose
    assert fields & names and compose - fields <= names  # compose's own variables all listed
