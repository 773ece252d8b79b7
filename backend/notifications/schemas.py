"""Notification API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    alert_id: int | None
    data: dict[str, Any] | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    unread_count: int
    # pass as `cursor` for the next (older) page; null: this is the last page
    next_cursor: int | None


class ReadAllOut(BaseModel):
    updated: int
    unread_count: int


class WebhookOut(BaseModel):
    url: str


class NotificationSettingsOut(BaseModel):
    language: Literal["en", "ru"]
    email_enabled: bool
    email_available: bool  # the server has SMTP_URL (email alerts can be delivered)
    webhook: WebhookOut | None


class NotificationSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never ignored

    language: Literal["en", "ru"] | None = None
    email_enabled: bool | None = None


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never ignored

    url: str = Field(min_length=1, max_length=2000)


class WebhookCreated(BaseModel):
    url: str
    # shown once: sign-check every POST with it (HMAC-SHA256, README "Notifications")
    secret: str


class WebhookTestOut(BaseModel):
    delivered: bool
    detail: str | None
