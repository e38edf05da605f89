"""How the outbox worker talks to a channel, and the outcomes a channel can report."""

from __future__ import annotations

from typing import Protocol

from flows.types import Reply


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


class Sender(Protocol):
    async def send(self, chat_id: str, reply: Reply) -> str | None:
        """Deliver `reply` to `chat_id`; return the channel's message id when it has one."""
        ...
