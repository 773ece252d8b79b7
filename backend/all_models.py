"""Every domain's ORM models, imported in one place for Alembic and the schema tests."""

from __future__ import annotations

from backend.db import Base

metadata = Base.metadata
