"""Jobs that run every so often until Balai stops, each in the same loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def always() -> bool:
    return True


async def repeat(
    job: Callable[[], Awaitable[object]],
    every_seconds: float,
    stop: asyncio.Event,
    *,
    name: str,
    leads: Callable[[], bool] = always,
) -> None:
    """Run `job` every `every_seconds` until `stop`, while this worker `leads` (timers
    run on one worker of several: bot/crew.py). A failed round is logged; the next runs."""
    while not stop.is_set():
        if leads():
            try:
                await job()
            except Exception:
                log.exception("%s failed", name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
