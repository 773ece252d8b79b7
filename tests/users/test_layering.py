"""auth builds on users, never the reverse; one request-transaction lifecycle (issue 10 §1)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

BACKEND = ROOT / "backend"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_users_never_imports_auth() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in (BACKEND / "users").glob("*.py")
        for module in _imports(path)
        if module == "backend.auth" or module.startswith("backend.auth.")
    }
    assert not offenders


def test_auth_has_no_transaction_lifecycle_of_its_own() -> None:
    """Requests commit in one place (backend/db.py `transaction`, via TxDep)."""
    for path in (BACKEND / "auth").glob("*.py"):
        assert ".commit()" not in path.read_text(encoding="utf-8"), path.name
