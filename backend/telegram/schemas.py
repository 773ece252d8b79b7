"""Telegram linking schemas."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field


class LinkCodeOut(BaseModel):
    code: str = Field(description="One-time code: send `/start <code>` to the bot")
    url: str = Field(description="Deep link `https://t.me/<bot>?start=<code>` that sends it")
    expires_at: AwareDatetime = Field(description="The code works until then (10 minutes)")
