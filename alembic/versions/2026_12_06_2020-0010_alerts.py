"""alerts: `alerts`, `alert_firings` and `alert_checkpoints`

Revision ID: 0010_alerts
Revises: 0009_telegram
Create Date: 2026-12-06 20:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010_alerts"
down_revision: str | None = "0009_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL types, not the model's TypeDecorators (see 0003_trading).
money = sa.Numeric(36, 18).with_variant(sa.String(64), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("condition", sa.String(16), nullable=False),
        sa.Column("value", money, nullable=False),
        sa.Column("interval", sa.String(4), nullable=True),
        sa.Column("window_s", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(4), nullable=True),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("cooldown_s", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("firings", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_user_id_id", "alerts", ["user_id", "id"])
    op.create_index("ix_alerts_state_symbol", "alerts", ["state", "symbol"])
    op.create_table(
        "alert_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("firing_no", sa.Integer(), nullable=False),
        sa.Column("price", money, nullable=False),
        sa.Column("market_ms", sa.BigInteger(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_firings_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_firings")),
        sa.UniqueConstraint(
            "alert_id", "firing_no", name=op.f("uq_alert_firings_alert_id_firing_no")
        ),
    )
    op.create_table(
        "alert_checkpoints",
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("checked_ms", sa.BigInteger(), nullable=False),
        sa.Column("price", money, nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_alert_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("alert_checkpoints")
    op.drop_table("alert_firings")
    op.drop_index("ix_alerts_state_symbol", table_name="alerts")
    op.drop_index("ix_alerts_user_id_id", table_name="alerts")
    op.drop_table("alerts")
