"""Announcements take only what the bot's other messages of the last second leave, the bot
never sends more than the limit in a second, and a 429 on an announcement leaves replies
flowing (on a clock that costs no time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut

from handlers.telegram.limiter import (
    ANNOUNCEMENT,
    EXPECTED_FOR,
    GIVE_WAY,
    SPARE_UNLESS_SOON,
    SendWindow,
    WindowedRateLimiter,
)


class FakeClock:
    """Monotonic seconds that move only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        # What else happens while something sleeps.
        self.meanwhile: Callable[[], None] = lambda: None

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        self.meanwhile()
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limiter(clock: FakeClock) -> WindowedRateLimiter:
    window = SendWindow(
        30, 3, spare_unless_soon=None, leeway=0.0, monotonic=clock.monotonic, sleep=clock.sleep
    )
    limiter = WindowedRateLimiter(window=window)
    await limiter.initialize()
    return limiter


class Api:
    """The calls that reached the Bot API, and a 429 for the chats told to wait."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, Any]] = []
        self.throttle: dict[int, float] = {}
        # How long a chat's call takes to come back (none by default), and what it raises.
        self.round_trip: dict[int, float] = {}
        self.failure: dict[int, Exception] = {}

    async def __call__(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((self.clock.now, data["chat_id"]))
        self.clock.now += self.round_trip.get(data["chat_id"], 0.0)
        failure = self.failure.get(data["chat_id"])
        if failure is not None:
            raise failure
        wait = self.throttle.pop(data["chat_id"], None)
        if wait is not None:
            raise RetryAfter(int(wait))
        return {"message_id": len(self.calls)}


async def send(
    limiter: WindowedRateLimiter, api: Api, chat_id: int, *, announcement: bool = False
) -> Any:
    data = {"chat_id": chat_id, "text": "x"}
    return await limiter.process_request(
        api, ("sendMessage", data), {}, "sendMessage", data, ANNOUNCEMENT if announcement else None
    )


async def test_an_announcement_waits_while_replies_fill_the_second_and_goes_as_it_empties(
    clock, limiter
):
    api = Api(clock)
    for chat in range(27):  # replies over a quarter of a second: 27 of 30 used
        await send(limiter, api, chat)
        clock.now += 0.01
    assert [at for at, _chat in api.calls] == pytest.approx([100 + i / 100 for i in range(27)])
    await send(limiter, api, 5000, announcement=True)
    # It went when the first reply left the window, one second after it was sent.
    assert api.calls[-1] == (pytest.approx(101.0), 5000)
    await send(limiter, api, 5001, announcement=True)
    assert api.calls[-1] == (pytest.approx(101.01), 5001)


async def test_replies_are_never_held_by_announcements(clock, limiter):
    api = Api(clock)
    for chat in range(27):
        await send(limiter, api, 5000 + chat, announcement=True)
    # The announcements' share is full; replies beyond it go at once, up to Telegram's 30.
    for chat in range(3):
        await send(limiter, api, chat)
    assert [at for at, _chat in api.calls] == [100.0] * 30


async def test_a_reply_beyond_the_limit_waits_only_for_the_oldest_to_leave_the_second(
    clock, limiter
):
    api = Api(clock)
    for chat in range(27):  # the announcements' 27 of 30, one every 10 ms
        await send(limiter, api, 5000 + chat, announcement=True)
        clock.now += 0.01
    clock.now = 100.5
    for chat in range(3):
        await send(limiter, api, chat)
    # 30 in the last second: a reply waits for the oldest to leave the second, no longer.
    await send(limiter, api, 7)
    assert api.calls[-1] == (pytest.approx(101.0), 7)
    # An announcement waits until announcements and replies are under 27 again.
    await send(limiter, api, 6000, announcement=True)
    assert api.calls[-1] == (pytest.approx(101.04), 6000)
    sent_at = [at for at, _chat in api.calls]
    assert all(sum(1 for t in sent_at if at - 1 < t <= at) <= 30 for at in sent_at)


async def test_the_spare_place_is_taken_only_when_another_frees_soon(clock):
    """The bot's own window: a place for replies, and one more unless another place frees
    within SPARE_UNLESS_SOON, so a reply that finds the second full waits at most that."""
    window = SendWindow(30, leeway=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter = WindowedRateLimiter(window=window)
    await limiter.initialize()
    api = Api(clock)
    for chat in range(28):  # one every 10 ms: two places left
        await send(limiter, api, 5000 + chat, announcement=True)
        clock.now += 0.01
    # The next takes the spare place only once the first of them is about to free.
    await send(limiter, api, 6000, announcement=True)
    assert api.calls[-1] == (pytest.approx(101.0 - SPARE_UNLESS_SOON), 6000)
    await send(limiter, api, 1)  # a reply takes the one place announcements leave
    assert api.calls[-1] == (pytest.approx(101.0 - SPARE_UNLESS_SOON), 1)
    await send(limiter, api, 2)  # the window is full: it waits, for the bound at most
    assert api.calls[-1] == (pytest.approx(101.0), 2)


async def test_an_update_keeps_a_place_free_for_its_reply(clock, limiter):
    api = Api(clock)
    for chat in range(26):
        await send(limiter, api, 5000 + chat, announcement=True)
    clock.now += 0.8
    limiter.window.expect()  # a resident's message came in; its reply is being made
    # The 27th place is the reply's: the next announcement waits for a place to free.
    await send(limiter, api, 6000, announcement=True)
    assert api.calls[-1] == (pytest.approx(101.0), 6000)
    await send(limiter, api, 1)  # the reply, at once
    assert api.calls[-1] == (pytest.approx(101.0), 1)
    await send(limiter, api, 6001, announcement=True)  # the place was used: no wait
    assert api.calls[-1] == (pytest.approx(101.0), 6001)


async def test_a_place_kept_for_a_reply_that_never_came_is_given_back(clock, limiter):
    api = Api(clock)
    for chat in range(26):
        await send(limiter, api, 5000 + chat, announcement=True)
    clock.now += 0.1
    limiter.window.expect()  # answered without a message (a button's pop-up only)
    await send(limiter, api, 6000, announcement=True)
    # Before the announcements of t=100 leave at 101: when the kept place ran out.
    assert api.calls[-1] == (pytest.approx(100.1 + EXPECTED_FOR), 6000)


async def test_an_announcement_gives_way_to_a_reply_being_made_once(clock, limiter):
    api = Api(clock)
    limiter.window.expect()  # a resident's message came in: its reply has the bot first
    await send(limiter, api, 6000, announcement=True)
    assert api.calls[-1] == (pytest.approx(100 + GIVE_WAY), 6000)
    await send(limiter, api, 1)  # the reply
    await send(limiter, api, 6001, announcement=True)  # none being made: at once
    assert api.calls[-1] == (pytest.approx(100 + GIVE_WAY), 6001)

    # Residents writing all the time hold each announcement back once, never for good.
    clock.meanwhile = limiter.window.expect
    limiter.window.expect()
    started = clock.now
    await send(limiter, api, 6002, announcement=True)
    assert api.calls[-1] == (pytest.approx(started + GIVE_WAY), 6002)


async def test_a_message_counts_until_a_second_after_it_can_have_reached_telegram(clock):
    window = SendWindow(3, 0, leeway=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter = WindowedRateLimiter(window=window)
    await limiter.initialize()
    api = Api(clock)
    api.round_trip = {1: 0.002, 2: 0.030, 3: 0.002, 4: 0.002}
    for chat in (1, 2, 3):  # sent at 100.000, 100.002 and 100.032
        await send(limiter, api, chat)
    # Answered 2 ms after it left, as fast as any: it reached Telegram as it left.
    await send(limiter, api, 4)
    assert api.calls[-1] == (pytest.approx(101.0), 4)
    # Answered 30 ms after it left: it may have reached Telegram 28 ms late, and counts
    # until a second after that, not after it left.
    await send(limiter, api, 5)
    assert api.calls[-1] == (pytest.approx(101.030), 5)


async def test_a_message_whose_call_failed_on_the_way_counts_until_a_second_after_that(
    clock,
):
    window = SendWindow(2, 0, leeway=0.0, monotonic=clock.monotonic, sleep=clock.sleep)
    limiter = WindowedRateLimiter(window=window)
    await limiter.initialize()
    api = Api(clock)
    api.round_trip = {1: 0.002, 2: 0.050}
    api.failure = {2: TimedOut()}
    await send(limiter, api, 1)
    with pytest.raises(NetworkError):
        await send(limiter, api, 2)  # left at 100.002; no answer by 100.052
    await send(limiter, api, 3)
    assert api.calls[-1] == (pytest.approx(101.0), 3)
    # Nothing says when (or whether) it reached Telegram before the call gave up.
    await send(limiter, api, 4)
    assert api.calls[-1] == (pytest.approx(101.052), 4)


async def test_a_429_on_an_announcement_is_not_retried_and_replies_keep_flowing(clock, limiter):
    api = Api(clock)
    api.throttle[5000] = 5
    with pytest.raises(RetryAfter):
        await send(limiter, api, 5000, announcement=True)
    assert api.calls == [(100.0, 5000)]  # tried once: the outbox tries it again later
    await send(limiter, api, 1)
    assert api.calls[-1] == (100.0, 1)  # the resident's answer did not wait
    await send(limiter, api, 5001, announcement=True)
    assert api.calls[-1] == (pytest.approx(105.0), 5001)  # announcements paused 5 s


async def test_paid_broadcasts_are_neither_counted_nor_held(clock, limiter):
    api = Api(clock)
    for chat in range(40):
        data = {"chat_id": 5000 + chat, "text": "x", "allow_paid_broadcast": True}
        await limiter.process_request(api, ("sendMessage", data), {}, "sendMessage", data, None)
    await send(limiter, api, 6000, announcement=True)
    assert api.calls[-1] == (100.0, 6000)
