"""task_runs: every run of a scheduled task (cron or manual), one `running` per task at most

Revision ID: 0013_task_runs
Revises: 0012_metric_samples
Create Date: 2026-12-06 21:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013_task_runs"
down_revision: str | None = "0012_metric_samples"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNNING_ONLY = sa.text("outcome = 'running'")


def upgrade() -> None:
    op.create_table(
        "task_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(8), nullable=False),
        sa.Column("triggered_by", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.String(128), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_runs")),
    )
    op.create_index("ix_task_runs_task_id", "task_runs", ["task", "id"])
    op.create_index("ix_task_runs_job_id", "task_runs", ["job_id"])
    op.create_index(
        "uq_task_runs_one_running",
        "task_runs",
        ["task"],
        unique=True,
        postgresql_where=_RUNNING_ONLY,
        sqlite_where=_RUNNING_ONLY,
    )


def downgrade() -> None:
    op.drop_index("uq_task_runs_one_running", table_name="task_runs")
    op.drop_index("ix_task_runs_job_id", table_name="task_runs")
    op.drop_index("ix_task_runs_task_id", table_name="task_runs")
    op.drop_table("task_runs")
