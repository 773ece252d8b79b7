"""auth: absolute lifetime of a login and the token version of each refresh token

`family_expires_at`: when the login (refresh-token family) ends, however often it rotates.
Logins that exist at the upgrade get the default 90 days from the upgrade.
`token_version`: the user's token version when the login began; a password change, a block or
"sign out everywhere" bumps the user's, which ends every older login. Existing rows take their
user's current version.

Revision ID: 0005_login_sessions
Revises: 0004_matcher_checkpoints
Create Date: 2026-12-06 18:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alembic import op

revision: str = "0005_login_sessions"
down_revision: str | None = "0004_matcher_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_DEFAULT_ABSOLUTE = timedelta(days=90)


def upgrade() -> None:
    op.add_column("refresh_tokens", sa.Column("family_expires_at", _TS, nullable=True))
    op.add_column(
        "refresh_tokens",
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
    )
    bind = op.get_bind()
    until = datetime.now(UTC) + _DEFAULT_ABSOLUTE
    if bind.dialect.name == "sqlite":  # UtcDateTime stores naive UTC there
        until = until.replace(tzinfo=None)
    tokens = sa.table(
        "refresh_tokens",
        sa.column("family_expires_at", _TS),
        sa.column("token_version", sa.Integer()),
        sa.column("user_id", sa.Integer()),
    )
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("token_version"))
    version = (
        sa.select(users.c.token_version).where(users.c.id == tokens.c.user_id).scalar_subquery()
    )
    bind.execute(sa.update(tokens).values(family_expires_at=until, token_version=version))
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("family_expires_at", existing_type=_TS, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("token_version")
        batch.drop_column("family_expires_at")
