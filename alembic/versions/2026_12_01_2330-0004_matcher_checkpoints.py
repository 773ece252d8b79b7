"""trading: matcher checkpoints (last applied trade per symbol, for the candle catch-up)

Revision ID: 0004_matcher_checkpoints
Revises: 0003_trading
Create Date: 2026-12-01 23:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_matcher_checkpoints"
down_revision: str | None = "0003_trading"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trading_matcher_checkpoints",
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("last_trade_id", sa.String(64), nullable=False),
        sa.Column("last_trade_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_trading_matcher_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("trading_matcher_checkpoints")
