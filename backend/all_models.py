"""Every domain's ORM models, imported in one place for Alembic and the schema tests."""

from __future__ import annotations

from backend.alerts import models as alerts_models
from backend.audit import models as audit_models
from backend.auth import models as auth_models
from backend.db import Base
from backend.forecasting import models as forecasting_models
from backend.market import models as market_models
from backend.notifications import models as notifications_models
from backend.observability import models as observability_models
from backend.tasks_admin import models as tasks_admin_models
from backend.telegram import models as telegram_models
from backend.trading import models as trading_models
from backend.users import models as users_models

metadata = Base.metadata

__all__ = [
    "alerts_models",
    "audit_models",
    "auth_models",
    "forecasting_models",
    "market_models",
    "metadata",
    "notifications_models",
    "observability_models",
    "tasks_admin_models",
    "telegram_models",
    "trading_models",
    "users_models",
]
