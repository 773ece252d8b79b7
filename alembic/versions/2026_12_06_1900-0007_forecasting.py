"""forecasting: `forecast_models` (trained artifacts and their cards) and `forecast_jobs`

Revision ID: 0007_forecasting
Revises: 0006_order_trigger_trade
Create Date: 2026-12-06 19:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007_forecasting"
down_revision: str | None = "0006_order_trigger_trade"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_models",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("interval", sa.String(4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_start", sa.BigInteger(), nullable=False),
        sa.Column("data_end", sa.BigInteger(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_models")),
    )
    op.create_index(op.f("ix_forecast_models_symbol"), "forecast_models", ["symbol"])
    op.create_table(
        "forecast_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("model_id", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_jobs")),
    )
    op.create_index(op.f("ix_forecast_jobs_dedupe_key"), "forecast_jobs", ["dedupe_key"])
    # at most one queued or running job per piece of work (concurrent identical requests)
    active = sa.text("state IN ('queued', 'running')")
    op.create_index(
        "uq_forecast_jobs_active",
        "forecast_jobs",
        ["dedupe_key"],
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )


def downgrade() -> None:
    op.drop_index("uq_forecast_jobs_active", table_name="forecast_jobs")
    op.drop_index(op.f("ix_forecast_jobs_dedupe_key"), table_name="forecast_jobs")
    op.drop_table("forecast_jobs")
    op.drop_index(op.f("ix_forecast_models_symbol"), table_name="forecast_models")
    op.drop_table("forecast_models")
