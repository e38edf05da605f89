"""Many people at once, each in order: a first-in-first-out lane per person.

A channel submits each update to the lane of whoever sent it (a private chat, or one
official in an admin chat). Lanes run side by side, at most `concurrency` jobs at a
time; within a lane a job starts only when the one before it has finished, so a
person's answers land in their form in the order they were sent however long each
Telegram call takes. `submit` returns at once unless `max_pending` jobs are already
waiting: then it waits for room, which slows the channel's intake (polling stops
fetching, the webhook answers later) instead of letting a flood fill memory.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


class Lanes:
    def __init__(self, concurrency: int, max_pending: int) -> None:
        if concurrency < 1 or max_pending < 1:
            raise ValueError("concurrency and max_pending must be at least 1")
        self._running = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._lanes: dict[Hashable, deque[tuple[Job, contextvars.Context]]] = {}
        self._pending = 0
        self._room = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        # Drain tasks are referenced here so the event loop cannot collect them mid-job.
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet (running or waiting in a lane)."""
        return self._pending

    async def submit(self, key: Hashable, job: Job) -> None:
        """Queue `job` behind the earlier jobs of `key`; wait only while the queue is full."""
        while self._pending >= self._max_pending:
            self._room.clear()
            await self._room.wait()
        self._pending += 1
        self._idle.clear()
        # Each job runs in its submitter's context, as if the channel had awaited it there.
        entry = (job, contextvars.copy_context())
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(entry)
            return
        self._lanes[key] = deque([entry])
        task = asyncio.create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def join(self) -> None:
        """Wait until every submitted job has finished."""
        await self._idle.wait()

    async def _drain(self, key: Hashable) -> None:
        lane = self._lanes[key]
        try:
            while lane:
                job, context = lane.popleft()
                try:
                    async with self._running:
                        await asyncio.create_task(job(), context=context)
                except Exception as exc:
                    # One person's failure must not stop their lane, nor anybody else's.
                    # Only the kind of error: its text may quote what the person sent.
                    log.error("handling an update failed (%s)", type(exc).__name__)
                finally:
                    self._finished()
        finally:
            # A lane cancelled at shutdown still counts its unstarted jobs as gone.
            for _job in lane:
                self._finished()
            lane.clear()
            del self._lanes[key]

    def _finished(self) -> None:
        self._pending -= 1
        self._room.set()
        if self._pending == 0:
            self._idle.set()
