"""Outbox delivery to Telegram, with Telegram's errors mapped to delivery outcomes."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from flows.delivery import PermanentFailure, RecipientUnreachable, RetryLater, TransientFailure
from flows.types import Reply
from handlers.telegram.render import send_kwargs


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: str, reply: Reply) -> str | None:
        message_id = None
        try:
            for kwargs in send_kwargs(reply):
                message = await self._bot.send_message(chat_id=int(chat_id), **kwargs)
                message_id = str(message.message_id)
        except Forbidden as exc:
            raise RecipientUnreachable(str(exc)) from exc
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise RetryLater(seconds) from exc
        except BadRequest as exc:
            raise PermanentFailure(str(exc)) from exc
        except (NetworkError, TelegramError) as exc:
            raise TransientFailure(str(exc)) from exc
        return message_id
