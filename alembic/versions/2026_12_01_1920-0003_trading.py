"""trading: accounts, balances, orders, trades, marks, equity snapshots

Revision ID: 0003_trading
Revises: 0002_market
Create Date: 2026-12-01 19:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_trading"
down_revision: str | None = "0002_market"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL types, not the model's TypeDecorators: Money is NUMERIC(36, 18) on PostgreSQL and a
# canonical decimal string (VARCHAR(64)) on SQLite; UtcDateTime is DateTime(timezone=True).
_TS = sa.DateTime(timezone=True)


def _col(name: str, nullable: bool = False) -> sa.Column[object]:
    money = sa.Numeric(36, 18).with_variant(sa.String(64), "sqlite")
    return sa.Column(name, money, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "trading_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_started_at", _TS, nullable=False),
        sa.Column("lock_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_trading_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_trading_accounts_user_id")),
    )
    op.create_table(
        "trading_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("asset", sa.String(16), nullable=False),
        _col("free"),
        _col("locked"),
        sa.CheckConstraint("free >= 0", name=op.f("ck_trading_balances_free_nonnegative")),
        sa.CheckConstraint("locked >= 0", name=op.f("ck_trading_balances_locked_nonnegative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["trading_accounts.id"],
            name=op.f("fk_trading_balances_account_id_trading_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_balances")),
        sa.UniqueConstraint(
            "account_id", "asset", name=op.f("uq_trading_balances_account_id_asset")
        ),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(36), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("base_asset", sa.String(16), nullable=False),
        sa.Column("quote_asset", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("time_in_force", sa.String(3), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _col("price", True),
        _col("stop_price", True),
        _col("quantity"),
        _col("quote_quantity", True),
        _col("executed_qty"),
        _col("cumulative_quote_qty"),
        _col("reserved_price", True),
        sa.Column("is_working", sa.Boolean(), nullable=False),
        sa.Column("expiry_reason", sa.String(40), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("working_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "user_id", "client_order_id", name=op.f("uq_orders_user_id_client_order_id")
        ),
    )
    op.create_index("ix_orders_user_id_id", "orders", ["user_id", "id"])
    op.create_index("ix_orders_status_symbol", "orders", ["status", "symbol"])
    op.create_table(
        "trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        _col("price"),
        _col("qty"),
        _col("quote_qty"),
        _col("fee"),
        sa.Column("fee_asset", sa.String(16), nullable=False),
        sa.Column("is_maker", sa.Boolean(), nullable=False),
        sa.Column("source_trade_id", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_trades_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_trades_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint(
            "order_id", "source_trade_id", name=op.f("uq_trades_order_id_source_trade_id")
        ),
    )
    op.create_index("ix_trades_user_id_id", "trades", ["user_id", "id"])
    op.create_table(
        "trading_marks",
        sa.Column("symbol", sa.String(20), nullable=False),
        _col("price"),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_trading_marks")),
    )
    op.create_table(
        "equity_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        _col("equity"),
        sa.Column("at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_equity_snapshots_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_snapshots")),
    )
    op.create_index("ix_equity_snapshots_user_id_at", "equity_snapshots", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_equity_snapshots_user_id_at", table_name="equity_snapshots")
    op.drop_table("equity_snapshots")
    op.drop_table("trading_marks")
    op.drop_index("ix_trades_user_id_id", table_name="trades")
    op.drop_table("trades")
    op.drop_index("ix_orders_status_symbol", table_name="orders")
    op.drop_index("ix_orders_user_id_id", table_name="orders")
    op.drop_table("orders")
    op.drop_table("trading_balances")
    op.drop_table("trading_accounts")
