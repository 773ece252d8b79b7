"""market: candles (closed, unique per symbol+interval+open time) and symbols (trading rules)

Revision ID: 0002_market
Revises: 0001_core
Create Date: 2026-12-01 19:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002_market"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL types, not the model's TypeDecorators: Money is NUMERIC(36, 18) on PostgreSQL and a
# canonical decimal string (VARCHAR(64)) on SQLite; UtcDateTime is DateTime(timezone=True).
_TS = sa.DateTime(timezone=True)


def _money() -> sa.types.TypeEngine[object]:
    return sa.Numeric(36, 18).with_variant(sa.String(64), "sqlite")


def upgrade() -> None:
    op.create_table(
        "candles",
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("interval", sa.String(length=4), nullable=False),
        sa.Column("open_time", sa.BigInteger(), nullable=False),
        sa.Column("close_time", sa.BigInteger(), nullable=False),
        *(
            sa.Column(name, _money(), nullable=False)
            for name in ("open", "high", "low", "close", "volume", "quote_volume")
        ),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("taker_buy_base", _money(), nullable=False),
        sa.Column("taker_buy_quote", _money(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "interval", "open_time", name=op.f("pk_candles")),
    )
    money_cols = (
        "tick_size", "min_price", "max_price", "step_size", "min_qty", "max_qty",
        "market_min_qty", "market_max_qty", "market_step_size", "min_notional", "max_notional",
    )  # fmt: skip
    multipliers = (
        "bid_multiplier_up", "bid_multiplier_down", "ask_multiplier_up", "ask_multiplier_down",
    )  # fmt: skip
    op.create_table(
        "symbols",
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("base_asset", sa.String(length=16), nullable=False),
        sa.Column("quote_asset", sa.String(length=16), nullable=False),
        sa.Column("base_asset_precision", sa.Integer(), nullable=False),
        sa.Column("quote_asset_precision", sa.Integer(), nullable=False),
        *(sa.Column(name, _money(), nullable=False) for name in money_cols),
        sa.Column("apply_min_to_market", sa.Boolean(), nullable=False),
        sa.Column("apply_max_to_market", sa.Boolean(), nullable=False),
        *(sa.Column(name, _money(), nullable=False) for name in multipliers),
        sa.Column("avg_price_mins", sa.Integer(), nullable=False),
        sa.Column("max_num_orders", sa.Integer(), nullable=False),
        sa.Column("max_num_algo_orders", sa.Integer(), nullable=False),
        sa.Column("order_types", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_symbols")),
    )


def downgrade() -> None:
    op.drop_table("symbols")
    op.drop_table("candles")
