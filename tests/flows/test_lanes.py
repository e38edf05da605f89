"""Lanes: each key's jobs in order, keys side by side, a bounded queue, failures contained."""

from __future__ import annotations

import asyncio
import random

from flows.engine.lanes import Lanes


async def test_each_keys_jobs_run_in_order_while_keys_run_side_by_side():
    lanes = Lanes(concurrency=8, max_pending=1000)
    delays = random.Random(3)  # noqa: S311 (test timing, not secrets)
    done: dict[str, list[int]] = {}
    running = 0
    most_at_once = 0

    def job(key: str, number: int):
        async def run() -> None:
            nonlocal running, most_at_once
            running += 1
            most_at_once = max(most_at_once, running)
            await asyncio.sleep(delays.choice((0, 0.001, 0.005)))
            done.setdefault(key, []).append(number)
            running -= 1

        return run

    for number in range(20):
        for key in "abcdefghij":
            await lanes.submit(key, job(key, number))
    await asyncio.wait_for(lanes.join(), 10)
    assert done == {key: list(range(20)) for key in "abcdefghij"}
    assert 1 < most_at_once <= 8


async def test_a_full_queue_makes_the_sender_wait_and_a_failure_stops_nothing():
    lanes = Lanes(concurrency=1, max_pending=2)
    release = asyncio.Event()
    ran: list[str] = []

    async def blocked() -> None:
        await release.wait()
        ran.append("blocked")

    async def fails() -> None:
        raise RuntimeError("boom")

    async def after() -> None:
        ran.append("after")

    await lanes.submit("x", blocked)
    await lanes.submit("x", fails)
    third = asyncio.create_task(lanes.submit("x", after))
    # One turn of the loop is all a submit with room needs (it never awaits then); this
    # one is still waiting because nothing can finish before `release`.
    await asyncio.sleep(0)
    assert not third.done() and lanes.pending == 2
    release.set()
    await asyncio.wait_for(third, 5)
    await asyncio.wait_for(lanes.join(), 5)
    assert ran == ["blocked", "after"] and lanes.pending == 0
