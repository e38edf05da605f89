"""When the outbox worker may send its next message: each channel's overall rate (its
announcements at their own, slower one) and each chat's own pace."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from flows.engine.delivery import Pacing

Sleep = Callable[[float], Awaitable[None]]
# How long a chat's recent sends count against its burst (a minute is ample).
BURST_MEMORY = 60.0


class Pacer:
    """The sends of one outbox worker, in monotonic seconds (real seconds, not the
    business clock: tests pass a clock that jumps ahead when slept on)."""

    def __init__(self, monotonic: Callable[[], float], sleep: Sleep) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        # When each recently written chat may get its next message.
        self._ready_at: dict[tuple[str, str], float] = {}
        # The last send of each channel (each keeps its own overall rate).
        self._last_send: dict[str, float] = {}
        # The last announcement delivery of each channel (they keep a slower rate).
        self._last_bulk: dict[str, float] = {}
        # Recent sends to each chat, for channels that allow a short burst.
        self._recent: dict[tuple[str, str], list[float]] = {}

    def busy(self) -> Collection[tuple[str, str]]:
        """The (channel, chat)s that must wait their turn before their next message."""
        now = self._monotonic()
        self._ready_at = {chat: at for chat, at in self._ready_at.items() if at > now}
        self._recent = {
            chat: times
            for chat, times in self._recent.items()
            if times and times[-1] > now - BURST_MEMORY
        }
        return self._ready_at.keys()

    def pause(self) -> float:
        """Seconds until the first chat waiting its turn may receive again."""
        return max(min(self._ready_at.values(), default=0.0) - self._monotonic(), 0.0)

    async def wait_turn(
        self, channel: str, chat_id: str, pacing: Pacing, *, bulk: bool = False
    ) -> None:
        """Wait until the channel's overall rate lets one more message go, and count it
        against the chat's pace (the chat is then busy until it may receive again)."""
        wait = self._last_send.get(channel, float("-inf")) + pacing.overall - self._monotonic()
        if bulk and pacing.broadcast:
            bulk_wait = (
                self._last_bulk.get(channel, float("-inf")) + pacing.broadcast - self._monotonic()
            )
            # Faster than the overall rate means paid broadcasts: outside the 30/s.
            wait = bulk_wait if pacing.broadcast < pacing.overall else max(wait, bulk_wait)
        if wait > 0:
            await self._sleep(wait)
        if bulk:
            self._last_bulk[channel] = self._monotonic()
        now = self._last_send[channel] = self._monotonic()
        key = (channel, chat_id)
        # Telegram group ids are negative; groups get the slower pace.
        interval = pacing.group if chat_id.startswith("-") else pacing.private
        if pacing.burst <= 1:
            self._ready_at[key] = now + interval
            return
        # A short burst goes at once; on average still one message per `interval`.
        recent = [*self._recent.get(key, ()), now][-pacing.burst :]
        self._recent[key] = recent
        if len(recent) == pacing.burst:
            self._ready_at[key] = recent[0] + interval * pacing.burst
