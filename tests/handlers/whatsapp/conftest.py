"""Balai on Telegram and WhatsApp at once, against a fake Bot API and a fake Graph API."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.whatsapp
from bot.runtime import serve_telegram
from handlers.whatsapp.channel import WhatsAppChannel
from tests.conftest import TWO_VILLAGES, settings_for
from tests.handlers.fake_bot_api import FakeBotApi
from tests.handlers.whatsapp.fake_graph_api import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    VERSION,
    FakeGraphApi,
    WhatsAppUser,
)
from tests.helpers import InstantClock

# Long enough for two posts of one test to land in one hold; short enough to cost nothing.
TEST_HOLD_SECONDS = 0.2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Running:
    bot_api: FakeBotApi
    graph: FakeGraphApi
    webhook_url: str
    channel: WhatsAppChannel
    stop: Callable[[], Awaitable[None]]

    def person(self, wa_id: str = "6281234567890", name: str = "Siti") -> WhatsAppUser:
        return WhatsAppUser(self.graph, self.webhook_url, wa_id, name, self.channel.drain)


@pytest.fixture
async def graph_api() -> AsyncIterator[FakeGraphApi]:
    api = FakeGraphApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def whatsapp_balai(
    bot_api: FakeBotApi, graph_api: FakeGraphApi, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    """Start Balai with Telegram polling and WhatsApp configured; the webhook server runs."""
    tasks: list[tuple[asyncio.Task[None], asyncio.Event]] = []
    channels: list[WhatsAppChannel] = []
    pacing = InstantClock()

    class Recorded(WhatsAppChannel):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs, hold_seconds=TEST_HOLD_SECONDS)
            channels.append(self)

    monkeypatch.setattr(bot.whatsapp, "WhatsAppChannel", Recorded)

    async def start(config: Path = TWO_VILLAGES) -> Running:
        port = free_port()
        settings = settings_for(
            db_url,
            config,
            BALAI_TELEGRAM_TOKEN=bot_api.token,
            BALAI_TELEGRAM_API_URL=bot_api.url,
            BALAI_WEBHOOK_PORT=str(port),
            BALAI_WHATSAPP_TOKEN=TOKEN,
            BALAI_WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
            BALAI_WHATSAPP_APP_SECRET=APP_SECRET,
            BALAI_WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
            BALAI_WHATSAPP_API_URL=graph_api.url,
            BALAI_WHATSAPP_API_VERSION=VERSION,
        )
        stop = asyncio.Event()
        bot_api.polling.clear()  # set again once this run polls (its server is up by then)
        task = asyncio.create_task(
            serve_telegram(settings, stop, monotonic=pacing.now, sleep=pacing.sleep)
        )
        tasks.append((task, stop))
        await asyncio.wait_for(bot_api.polling.wait(), 10)

        async def stopper() -> None:
            stop.set()
            await asyncio.wait_for(task, 15)

        return Running(
            bot_api, graph_api, f"http://127.0.0.1:{port}/whatsapp/webhook", channels[-1], stopper
        )

    yield start
    for task, stop in tasks:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 15)
