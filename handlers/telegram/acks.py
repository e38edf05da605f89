"""Telegram's webhook calls answered once their update is handled, not when it arrives."""

from __future__ import annotations

import asyncio


class Acks:
    """Webhook calls waiting for their update to be handled and its replies sent.

    A worker killed meanwhile leaves Telegram's call unanswered, and Telegram sends the
    update again (behind a proxy, to a worker still running; the update's id makes sure
    it is handled once). Answered on arrival, the update would die with the worker.
    """

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def expect(self, update_id: int) -> asyncio.Future[None]:
        """What the webhook call for `update_id` waits on."""
        handled = self._waiting.get(update_id)
        if handled is None:
            handled = asyncio.get_running_loop().create_future()
            self._waiting[update_id] = handled
        return handled

    def done(self, update_id: int) -> None:
        """The update is handled (or is not Balai's to handle): its call may be answered."""
        handled = self._waiting.pop(update_id, None)
        if handled is not None and not handled.done():
            handled.set_result(None)

    def forget(self, update_id: int) -> None:
        """The call was answered without waiting any longer."""
        self._waiting.pop(update_id, None)
