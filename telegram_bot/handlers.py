"""The bot's commands. Each answers in the user's language: the account's notification
language once the chat is linked, Telegram's `language_code` before."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from backend.db import Tx, transaction
from backend.notifications.service import user_language
from backend.telegram import service
from backend.trading.history import get_portfolio
from backend.trading.repository import MarkRepository
from backend.users.models import User
from telegram_bot import alerts
from telegram_bot.context import BotContext
from telegram_bot.texts import language_of, t


async def _language(tx: Tx, message: Message, user_id: int | None) -> str:
    if user_id is not None:
        return await user_language(tx, user_id)
    return language_of(message.from_user.language_code if message.from_user else None)


async def _user_of(tx: Tx, ctx: BotContext, message: Message) -> int | None:
    return await service.user_of_chat(tx, ctx.secret, message.chat.id)


async def start_with_code(message: Message, command: CommandObject, ctx: BotContext) -> None:
    """`/start <code>`: link this chat to the account that asked for the code."""
    code = command.args or ""
    telegram_lang = message.from_user.language_code if message.from_user else None
    async with transaction(ctx.sessionmaker) as tx:
        user_id = await service.link_chat(
            tx,
            ctx.cipher,
            ctx.secret,
            code=code,
            chat_id=message.chat.id,
            language=telegram_lang,
            now=datetime.now(UTC),
        )
        lang = await _language(tx, message, user_id)
        user = None if user_id is None else await tx.session.get(User, user_id)
    if user is None:
        await message.answer(t(lang, "bad_code"))
    else:
        await message.answer(t(lang, "linked", username=user.username))


async def help_(message: Message, ctx: BotContext) -> None:
    async with transaction(ctx.sessionmaker) as tx:
        lang = await _language(tx, message, await _user_of(tx, ctx, message))
    await message.answer(t(lang, "help"))


async def price(message: Message, command: CommandObject, ctx: BotContext) -> None:
    symbols = list(ctx.settings.market_symbols)
    wanted = (command.args or "").strip().upper()
    async with transaction(ctx.sessionmaker) as tx:
        lang = await _language(tx, message, await _user_of(tx, ctx, message))
        prices = await MarkRepository(tx.session).all_prices() if wanted else {}
    listed = ", ".join(symbols)
    if not wanted:
        await message.answer(t(lang, "price_usage", symbols=listed))
        return
    symbol = wanted if wanted in symbols else f"{wanted}USDT"
    if symbol not in symbols:
        await message.answer(t(lang, "price_unknown", symbol=wanted, symbols=listed))
        return
    last = ctx.trading.prices.last.get(symbol) or prices.get(symbol)
    if last is None:
        await message.answer(t(lang, "price_none", symbol=symbol))
        return
    await message.answer(t(lang, "price", symbol=symbol, price=f"{last.normalize():f}"))


async def portfolio(message: Message, ctx: BotContext) -> None:
    async with transaction(ctx.sessionmaker) as tx:
        user_id = await _user_of(tx, ctx, message)
        lang = await _language(tx, message, user_id)
        view = (
            None
            if user_id is None
            else await get_portfolio(tx, ctx.trading, user_id, datetime.now(UTC))
        )
    if view is None:
        await message.answer(t(lang, "not_linked"))
        return
    quote = ctx.trading.config.quote_asset
    lines = [
        t(lang, "portfolio", equity=f"{view.equity:.2f}", cash=f"{view.cash:.2f}", quote=quote)
    ]
    for v in view.valued:
        if v.position.quantity <= 0:
            continue
        qty = f"{v.position.quantity.normalize():f}"
        if v.market_value is None:
            lines.append(t(lang, "position_unpriced", asset=v.position.asset, qty=qty))
        else:
            value = f"{v.market_value:.2f}"
            lines.append(
                t(lang, "position", asset=v.position.asset, qty=qty, value=value, quote=quote)
            )
    await message.answer("\n".join(lines))


async def alerts_(message: Message, ctx: BotContext) -> None:
    async with transaction(ctx.sessionmaker) as tx:
        user_id = await _user_of(tx, ctx, message)
        lang = await _language(tx, message, user_id)
        active = None if user_id is None else await alerts.active_lines(tx, user_id)
    if active is None:
        await message.answer(t(lang, "not_linked"))
    elif not active:
        await message.answer(t(lang, "alerts_none"))
    else:
        await message.answer("\n".join([t(lang, "alerts", count=len(active)), *active]))


async def unlink(message: Message, ctx: BotContext) -> None:
    async with transaction(ctx.sessionmaker) as tx:
        lang = await _language(tx, message, await _user_of(tx, ctx, message))
        user_id = await service.unlink_chat(tx, ctx.secret, message.chat.id)
    await message.answer(t(lang, "unlinked" if user_id is not None else "not_linked"))


def build_router() -> Router:
    """A new router with every command (an aiogram router belongs to one dispatcher)."""
    router = Router(name="commands")
    router.message.register(start_with_code, CommandStart(deep_link=True))
    router.message.register(help_, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(price, Command("price"))
    router.message.register(portfolio, Command("portfolio"))
    router.message.register(alerts_, Command("alerts"))
    router.message.register(unlink, Command("unlink"))
    return router
