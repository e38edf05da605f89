"""Announcements take only the part of Telegram's 30/s that the bot's other messages leave.

Every Bot API call of the bot passes through PTB's rate limiter, so the limiter is where
the bot's messages of the last second are counted. A call marked as an announcement
(`rate_limit_args=ANNOUNCEMENT`) waits until that count is under the limit less a reserve
for replies, one more for each update whose reply is being made (TelegramChannel tells
the window as an update comes in), and one spare place unless another place frees soon
(SPARE_UNLESS_SOON); a reply or a card waits only when the whole limit is used, until
the oldest message leaves the second (never for an announcement: a freed place goes to
it first). An announcement also holds back once, briefly, while a reply is being made,
so that the reply has the event loop to itself (GIVE_WAY).
A message counts from when it is sent until a second after it can have reached Telegram:
its answer's arrival less the fastest round trip seen (Counted), so a slow answer keeps
its place longer and a fast one frees it within a millisecond or two of the second.
The bot as a whole therefore never sends more than the limit in any second, and Telegram
has no reason to answer 429. An announcement told to wait (429) anyway is not retried
here: PTB's limiter would hold every call of the bot meanwhile, replies too. It goes back
to the outbox (RetryLater) and announcements pause for retry_after.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

# rate_limit_args of an announcement's calls (PTB's own meaning, retries, is a count >= 0).
ANNOUNCEMENT = -1
# Places of the last second that announcements leave free for replies to people typing.
# One: announcements and replies together use nearly all of the limit, and a reply finds
# the limit used up only when a second one comes before the oldest message leaves the
# second (tens of milliseconds; make bench-broadcast measures what that costs a reply).
REPLY_RESERVE = 1
# One place more is kept for replies unless another place frees within this long, so a
# reply that finds both taken waits at most that. Kept always, it would cost 1/30 of the
# rate; kept only while the next place to free is further off, it costs the part of each
# gap between freed places beyond this (a fifth of it at 29/s), and of the replies that
# waited for a place fewer wait, and not as long (make bench-broadcast measures both).
SPARE_UNLESS_SOON = 0.028
# Seconds a message stays counted beyond its second and the fastest round trip's reckoning
# (Counted.reached_by): the way there and the way back of different calls differ a little.
LEEWAY = 0.001
# How long an update keeps a place free for its reply (the reply is usually sent within
# tens of milliseconds; an update answered without a message gives its place back then).
EXPECTED_FOR = 0.5
# How long an announcement holds back, once, while an update that came in that recently
# is still waiting for its reply: the reply gets the event loop as well as a place (an
# announcement's call and its bookkeeping take a few milliseconds of CPU, enough to make
# a reply wait). Most replies are sent within it; once each, so announcements still go
# however busy residents keep the bot.
GIVE_WAY = 0.02
# How long a worker waits when its share of the limit is used up by what it sent before
# its share was lowered, or is nothing yet (bot/crew.py grants shares).
SHARE_WAIT = 0.05
# Calls that Telegram counts against the bot's messages per second (the Bot API's
# sendMessage, sendPhoto, ..., copyMessage, forwardMessage, editMessageText, ...).
_COUNTED = ("send", "copyMessage", "forwardMessage", "editMessage")


@dataclass(eq=False, slots=True)
class Counted:
    """One message of the window. Until its answer comes, it is taken to reach Telegram as
    it leaves (a waiter needs it only a second later, when the answer is long back)."""

    sent_at: float
    answered_at: float
    # Whether Telegram answered (an error of the connection says nothing of when, or
    # whether, the message reached Telegram: then it may have done so until the error).
    by_telegram: bool = False

    def reached_by(self, fastest: float) -> float:
        """The latest it can have reached Telegram, reckoned against a message sent now:
        that one takes at least the fastest call's way there, and this one's answer took
        at least the fastest way back, so this one may be taken to have arrived the whole
        fastest round trip before its answer (LEEWAY covers calls whose ways differ)."""
        return self.answered_at - fastest if self.by_telegram else self.answered_at


class SendWindow:
    """The bot's messages of the last second, and when an announcement may join them."""

    def __init__(
        self,
        limit: float = 30,
        reserve: int = REPLY_RESERVE,
        *,
        spare_unless_soon: float | None = SPARE_UNLESS_SOON,
        span: float = 1.0,
        leeway: float = LEEWAY,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limit = max(int(limit), 1)
        self._reserve = reserve
        self._spare_unless_soon = spare_unless_soon
        # The most this worker may send in any second: the whole limit, or the share the
        # bot's workers granted it (bot/crew.py).
        self._share = self._limit
        # Whether a message found the share used up since `wants` was last asked.
        self._pressed = False
        # When each update still waiting for its reply came in: announcements leave a
        # place free for each, so the reply need not wait for one.
        self._expected: deque[float] = deque()
        self._span = span
        self._leeway = leeway
        self._monotonic = monotonic
        self._sleep = sleep
        self._counted: list[Counted] = []
        # The fastest round trip of a message call so far (the smaller, the longer an
        # answered message stays counted: never less safe as it is learnt).
        self._fastest = math.inf
        self._paused_until = float("-inf")

    def expect(self) -> None:
        """An update came in: its reply will want a place in the window soon."""
        self._expected.append(self._monotonic())

    def note(self, *, announcement: bool = False) -> Counted:
        """A message is being sent now (a reply takes the place its update kept); tell
        `answered` when its call returns (`sending` does both)."""
        now = self._monotonic()
        counted = Counted(now, now)
        self._counted.append(counted)
        if not announcement and self._expected:
            self._expected.popleft()
        return counted

    @contextmanager
    def sending(self, *, announcement: bool = False) -> Iterator[None]:
        """A message's call, counted from now until it can have reached Telegram."""
        sent = self.note(announcement=announcement)
        by_telegram = False
        try:
            yield
            by_telegram = True
        except TelegramError as exc:
            # A refusal (403, 429, 400) is Telegram's answer; any other NetworkError may
            # be the connection failing (PTB also raises it for a 5xx).
            by_telegram = not isinstance(exc, NetworkError) or isinstance(exc, BadRequest)
            raise
        finally:
            self.answered(sent, by_telegram=by_telegram)

    def answered(self, counted: Counted, *, by_telegram: bool) -> None:
        """The message's call returned: with Telegram's answer, or an error of the way."""
        now = self._monotonic()
        counted.answered_at, counted.by_telegram = now, by_telegram
        if by_telegram:
            self._fastest = min(self._fastest, now - counted.sent_at)
        if counted not in self._counted:  # a call of over a second: counted again
            self._counted.append(counted)

    def count(self) -> int:
        """Messages that may still be in Telegram's last second."""
        self._forget(self._monotonic())
        return len(self._counted)

    @property
    def limit(self) -> int:
        return self._limit

    def allow(self, share: int) -> None:
        """From now on this worker sends at most `share` messages in any second."""
        self._share = min(max(share, 0), self._limit)

    def wants(self, headroom: int) -> int:
        """The share this worker asks for: the whole limit if its share held a message
        back lately, else what it sent in the last second and `headroom` more."""
        pressed, self._pressed = self._pressed, False
        return self._limit if pressed else min(self._limit, self.count() + headroom)

    def pause(self, seconds: float) -> None:
        """Telegram asked to wait: no announcement for that long."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def wait_for_room(self, *, announcement: bool) -> None:
        """Return once the message fits (noted by the caller without awaiting first)."""
        gave_way = not announcement
        while True:
            now = self._monotonic()
            self._forget(now)
            if announcement and now < self._paused_until:
                await self._sleep(self._paused_until - now)
                continue
            if not gave_way and self._expected and self._expected[-1] > now - GIVE_WAY:
                gave_way = True
                await self._sleep(self._expected[-1] + GIVE_WAY - now)
                continue
            room = self._share
            if announcement:
                while self._expected and self._expected[0] <= now - EXPECTED_FOR:
                    self._expected.popleft()
                # A share too small for the reserve still lets announcements through.
                kept = min(self._reserve, self._share - 1) if self._share > 1 else 0
                room = self._share - kept - len(self._expected)
            over = len(self._counted) - room
            soon = self._spare_unless_soon if announcement else None
            if over < -1 or (over == -1 and soon is None):
                return
            if over >= 0 and self._share < self._limit:
                self._pressed = True
            if over >= len(self._counted):
                # No message of its own to wait out (its share is used by what it sent
                # before the share was lowered, or is nothing yet): look again soon.
                await self._sleep(SHARE_WAIT)
                continue
            untils = sorted(self._until(c) for c in self._counted)
            # The send that must leave the window for one more to fit (none for the spare
            # place), and for the spare place the one after it freeing soon; or the place
            # kept for a reply running out, whichever comes first.
            wake = untils[over] if over >= 0 else now
            if soon is not None and over + 1 < len(untils):
                wake = max(wake, untils[over + 1] - soon)
            if wake <= now:
                return
            if announcement and self._expected:
                wake = min(wake, self._expected[0] + EXPECTED_FOR)
            await self._sleep(wake - now)

    def _until(self, counted: Counted) -> float:
        return counted.reached_by(self._fastest) + self._span + self._leeway

    def _forget(self, now: float) -> None:
        self._counted = [c for c in self._counted if self._until(c) > now]


class WindowedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, counting the bot's messages in a SendWindow; every message
    waits for room in it, and announcements are sent once, without PTB's retries."""

    def __init__(
        self,
        overall_max_rate: float = 30,
        max_retries: int = 2,
        *,
        reserve: int = REPLY_RESERVE,
        window: SendWindow | None = None,
        **kwargs: Any,
    ) -> None:
        # The window keeps the overall limit. PTB's own (a leaky bucket) would hold a call
        # after the window counted it, and so let it reach Telegram in a later second.
        super().__init__(overall_max_rate=0, max_retries=max_retries, **kwargs)
        self.window = window if window is not None else SendWindow(overall_max_rate, reserve)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        # Paid broadcasts are outside the 30/s: neither counted nor held.
        counted = endpoint.startswith(_COUNTED) and not data.get("allow_paid_broadcast")
        announcement = rate_limit_args == ANNOUNCEMENT
        if counted:
            await self.window.wait_for_room(announcement=announcement)
        with self.window.sending(announcement=announcement) if counted else nullcontext():
            if not announcement:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            return await self._announce(callback, args, kwargs, data)

    async def _announce(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        data: dict[str, Any],
    ) -> bool | JSONDict | list[JSONDict]:
        """An announcement's call, tried once: a 429 pauses announcements, not the bot."""
        chat_id = data.get("chat_id")
        try:
            # Once: AIORateLimiter would take rate_limit_args 0 for its default retries.
            return await self._run_request(
                chat=chat_id is not None,
                group=_group_of(chat_id),
                allow_paid_broadcast=False,
                callback=callback,
                args=args,
                kwargs=kwargs,
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            self.window.pause(wait.total_seconds() if isinstance(wait, timedelta) else wait)
            raise


def _group_of(chat_id: object) -> str | int | bool:
    """The chat PTB's per-group limit applies to (as AIORateLimiter tells), or False."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id  # a channel's @name
    return chat_id if isinstance(chat_id, int) and chat_id < 0 else False
