"""The real Telegram channel (PTB over HTTP) against the fake Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from telegram import Update

import bot.runtime
from bot.runtime import serve_telegram
from flows.engine.types import Incoming
from handlers.telegram.bot import TelegramChannel, build_application
from tests.conftest import TWO_VILLAGES, settings_for
from tests.handlers.fake_bot_api import FakeBotApi
from tests.helpers import InstantClock

Running = Callable[[], Awaitable[None]]


@pytest.fixture
async def balai(
    bot_api: FakeBotApi, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    """Start Balai on Telegram (polling); returns a stopper so tests can restart it.

    The outbox paces on an instant clock (same decisions, no real waiting), and the fake
    Bot API is told when each update has been handled, so a test's exchange ends then.
    """
    tasks: list[tuple[asyncio.Task[None], asyncio.Event]] = []
    pacing = InstantClock()

    def watched_application(api_url: str, token: str, **options):  # type: ignore[no-untyped-def]
        application = build_application(api_url, token, **options)
        bot_api.watch_handling(application)
        return application

    class WatchedChannel(TelegramChannel):
        async def _process(self, update: Update, incoming: Incoming) -> None:
            await bot_api.handling_of(update.update_id, super()._process(update, incoming))

    monkeypatch.setattr(bot.runtime, "build_application", watched_application)
    monkeypatch.setattr(bot.runtime, "TelegramChannel", WatchedChannel)

    async def start(config: Path = TWO_VILLAGES, **env: str) -> Running:
        settings = settings_for(
            db_url,
            config,
            BALAI_TELEGRAM_TOKEN=bot_api.token,
            BALAI_TELEGRAM_API_URL=bot_api.url,
            **env,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve_telegram(settings, stop, monotonic=pacing.now, sleep=pacing.sleep)
        )
        tasks.append((task, stop))
        await bot_api.wait_for(
            lambda c: c.method == "setMyCommands" and c.params.get("language_code") == "en"
        )
        # Polling has started (a test that takes Telegram down must not catch its bootstrap).
        await asyncio.wait_for(bot_api.polling.wait(), 10)
        bot_api.startup_calls = list(bot_api.calls)
        bot_api.calls.clear()

        async def stopper() -> None:
            stop.set()
            await asyncio.wait_for(task, 15)

        return stopper

    yield start
    for task, stop in tasks:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 15)
