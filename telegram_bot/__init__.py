"""The Telegram bot (aiogram 3): its own process, `python -m telegram_bot` (`make bot`).

It long-polls the Bot API (`getUpdates`, TELEGRAM_API_URL) and listens on no port. It links
chats to accounts (`/start <code>` from POST /api/v1/telegram/link) and answers `/price`,
`/alerts`, `/portfolio`, `/help`, `/unlink` from the backend's services and database directly.
Without TELEGRAM_BOT_TOKEN it logs that it is off and exits 0.
"""
