"""Webhook calls answered once what they brought is handled, not when it arrives."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterable


class Acks:
    """Webhook calls waiting for their updates to be handled and the replies sent.

    A worker killed meanwhile leaves the chat app's call unanswered, and the app sends it
    again (behind a proxy, to a worker still running; the update's id makes sure it is
    handled once). Answered on arrival, the update would die with the worker.
    """

    def __init__(self) -> None:
        self._waiting: dict[Hashable, asyncio.Future[None]] = {}

    def expect(self, key: Hashable) -> None:
        """A call brought the update `key`: it will wait for `done(key)`."""
        if key not in self._waiting:
            self._waiting[key] = asyncio.get_running_loop().create_future()

    def done(self, key: Hashable) -> None:
        """The update is handled (or is not Balai's to handle): its call may be answered."""
        handled = self._waiting.pop(key, None)
        if handled is not None and not handled.done():
            handled.set_result(None)

    async def settled(self, keys: Iterable[Hashable], within: float) -> bool:
        """Wait until the updates `keys` are handled, for at most `within` seconds; False
        if the time ran out (they are still handled, only not waited for)."""
        keys = list(keys)
        waits = [asyncio.shield(self._waiting[k]) for k in keys if k in self._waiting]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), within)
        except TimeoutError:
            return False
        finally:
            for key in keys:
                self._waiting.pop(key, None)
        return True
