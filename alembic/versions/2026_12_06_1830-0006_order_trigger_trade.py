"""trading: the market trade that triggered a stop order (`orders.trigger_trade`)

A stop order that was triggered by trade T and rests must never fill as maker from T itself
(a second matcher, or a re-delivery, applying T again): the fill path compares this key.
Orders triggered before the upgrade keep NULL (no trade is excluded for them).

Revision ID: 0006_order_trigger_trade
Revises: 0005_login_sessions
Create Date: 2026-12-06 18:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006_order_trigger_trade"
down_revision: str | None = "0005_login_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("trigger_trade", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("trigger_trade")
