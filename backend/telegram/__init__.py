"""Telegram: linking an account to a chat (one-time codes), the links (chat ids encrypted at rest)
and the "telegram" channel of the notification outbox. The bot itself is `telegram_bot/`."""
