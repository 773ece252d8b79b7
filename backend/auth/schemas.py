from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenOut(BaseModel):
    access_token: str
    # null for browser clients (X-Client: web): theirs travels in an httpOnly cookie instead
    refresh_token: str | None = None
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class RefreshIn(BaseModel):
    """Omit the body (or the field) to use the refresh cookie; then send X-Client: web."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = Field(default=None, min_length=1, max_length=256)
