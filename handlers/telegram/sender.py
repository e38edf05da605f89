"""Outbox delivery to Telegram, with Telegram's errors mapped to delivery outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from flows.engine.delivery import (
    TELEGRAM_PACING,
    TELEGRAM_PAID_PACING,
    PermanentFailure,
    RecipientUnreachable,
    RetryLater,
    TransientFailure,
)
from flows.engine.types import Reply
from handlers.telegram.media import TelegramFiles
from handlers.telegram.render import deliver, send_kwargs


class TelegramSender:
    def __init__(
        self, bot: Bot, files: TelegramFiles | None = None, *, paid_broadcast: bool = False
    ) -> None:
        self._bot = bot
        self._files = files
        # BALAI_TELEGRAM_PAID_BROADCAST: announcements up to 1,000/s, paid in Telegram Stars.
        self._paid = paid_broadcast
        # Ordinary announcements go at the overall rate: the bot's rate limiter holds each
        # until the last second's messages leave room (handlers/telegram/limiter.py).
        self.pacing = (
            TELEGRAM_PAID_PACING if paid_broadcast else replace(TELEGRAM_PACING, broadcast=0.0)
        )

    async def send_broadcast(
        self, chat_id: str, reply: Reply, *, village: str | None = None
    ) -> str | None:
        """Deliver an announcement (as a paid broadcast when the deployment chose them)."""
        with _outcomes():
            message = await deliver(
                self._bot,
                int(chat_id),
                reply,
                files=self._files,
                paid_broadcast=self._paid,
                announcement=True,
            )
        return str(message.message_id)

    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
        village: str | None = None,
    ) -> str | None:
        with _outcomes():
            message = await deliver(
                self._bot,
                int(chat_id),
                reply,
                reply_to=int(reply_to) if reply_to else None,
                thread_id=thread_id,
                files=self._files,
            )
        return str(message.message_id)

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        calls = send_kwargs(reply)
        with _outcomes():
            try:
                await self._bot.edit_message_text(
                    chat_id=int(chat_id), message_id=int(message_id), **calls[0]
                )
            except BadRequest as exc:
                # The card already shows exactly this: that is success, not a reason to resend.
                if "not modified" not in str(exc).lower():
                    raise
        return message_id


@contextmanager
def _outcomes() -> Iterator[None]:
    """Telegram's errors as delivery outcomes the worker understands."""
    try:
        yield
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
