"""How the outbox worker talks to a channel, and the outcomes a channel can report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from flows.engine.types import Outbound, Reply
from storage import outbox


class DeliveryError(Exception):
    """Base for delivery outcomes other than success."""


class RecipientUnreachable(DeliveryError):
    """The person blocked the bot or left: stop writing to them."""


class RetryLater(DeliveryError):
    """The channel asked us to slow down (Telegram's retry_after)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientFailure(DeliveryError):
    """A network hiccup or server error: worth another try later."""


class PermanentFailure(DeliveryError):
    """The message can never be delivered as it is (bad chat id, bad request)."""


class HeldUntilWritten(DeliveryError):
    """The person's app takes no message now, until they write again (WhatsApp's
    24-hour window): the message waits, costing no attempt."""


@dataclass(frozen=True)
class DeliveryReport:
    """What a chat app reported later about a message it took (WhatsApp's statuses)."""

    external_id: str
    # "sent", "delivered", "read" or "failed".
    state: str
    at: datetime
    # For "failed": what the failure means, as a send error would.
    failure: type[DeliveryError] | None = None


@dataclass(frozen=True)
class Pacing:
    """A channel's limits, in seconds between messages. A sender may carry its own as
    `pacing`; without one the outbox keeps Telegram's."""

    overall: float
    private: float
    group: float
    # Messages one chat may get back to back before `private` applies.
    burst: int = 1
    # Announcement deliveries (outbox priority BROADCAST and below): their own slower
    # rate, so what else the bot sends (direct replies, which do not pass through the
    # outbox, cards) finds the channel's limit not used up. 0: the overall rate.
    broadcast: float = 0.0


# Telegram allows about 30/s for the whole bot. Announcements take at most 25/s of it, so
# a resident's answer finds room at once. (TelegramSender does better: its announcements
# take what the bot's other messages of the last second leave, handlers/telegram/limiter.py.)
TELEGRAM_PACING = Pacing(overall=1 / 30, private=1.0, group=3.0, broadcast=1 / 25)
# Paid broadcasts (BALAI_TELEGRAM_PAID_BROADCAST): up to 1,000/s, outside the 30/s.
TELEGRAM_PAID_PACING = Pacing(overall=1 / 30, private=1.0, group=3.0, broadcast=1 / 1000)


class Sender(Protocol):
    async def send(
        self,
        chat_id: str,
        reply: Reply,
        *,
        reply_to: str | None = None,
        thread_id: int | None = None,
        village: str | None = None,
    ) -> str | None:
        """Deliver `reply` to `chat_id` (on behalf of `village`, a code, when it speaks for
        one); return the channel's message id when it has one."""
        ...

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        """Replace the text and buttons of a message sent earlier."""
        ...


async def queue(
    session: AsyncSession, message: Outbound, now: datetime, priority: int = outbox.URGENT
) -> None:
    """Write one message for another chat into the outbox (inside the caller's transaction);
    announcement deliveries go with a lower `priority`, behind cards and notifications."""
    await queue_all(session, [message], now, priority)


async def queue_all(
    session: AsyncSession,
    messages: Sequence[Outbound],
    now: datetime,
    priority: int = outbox.URGENT,
) -> None:
    """`queue` for many messages, in one statement."""
    rows = [
        outbox.row(
            channel=message.channel,
            chat_id=message.chat_id,
            payload={
                **message.reply.to_payload(),
                "replaces_key": message.replaces_key,
                "reply_to_key": message.reply_to_key,
                "thread_id": message.thread_id,
                "purpose": message.purpose,
                "values": dict(message.values),
                "village": message.village,
            },
            now=now,
            dedupe_key=message.dedupe_key,
            topic=message.topic,
            priority=priority,
        )
        for message in messages
    ]
    await outbox.enqueue(session, rows)
