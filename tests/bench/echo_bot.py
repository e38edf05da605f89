"""The bench's reference: a bare python-telegram-bot 22 echo bot, PTB defaults throughout.

No rate limiter, no concurrency settings: `Application.builder()` as the PTB docs show it.
Every message is answered with one sendMessage echoing its text plus one inline button;
every button press with answerCallbackQuery and one sendMessage.

Run by the bench as a script: `python tests/bench/echo_bot.py` with BENCH_ECHO_TOKEN and
BENCH_API_URL (the fake Bot API's root) in the environment.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


def _button(number: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("🔁 Lagi", callback_data=f"echo:{number}")]])


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    text = message.text or message.caption or ("(kontak)" if message.contact else "(pesan)")
    await context.bot.send_message(
        message.chat_id, f"Anda menulis: {text}", reply_markup=_button(message.message_id)
    )


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            f"Anda menekan: {query.data}",
            reply_markup=_button(query.message.message_id),
        )


def main() -> None:
    api_url = os.environ["BENCH_API_URL"].rstrip("/")
    application = (
        Application.builder()
        .token(os.environ["BENCH_ECHO_TOKEN"])
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .build()
    )
    application.add_handler(CallbackQueryHandler(on_press))
    application.add_handler(MessageHandler(filters.ALL, on_message))
    application.run_polling()


if __name__ == "__main__":
    main()
