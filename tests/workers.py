"""`balai run --webhook` workers as real processes, and the reverse proxy in front of them."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from handlers.telegram.webhook import PATH, SECRET_HEADER
from tests.conftest import ROOT, TWO_VILLAGES
from tests.handlers.fake_bot_api import FakeBotApi

SECRET = "two-workers-secret"


class Splitter:
    """A reverse proxy as simple as can be: each update to the next live worker; every
    tenth (`twice_every`; 0: none) to two, as Telegram sends one again when it missed the
    first answer."""

    def __init__(self, ports: list[int], twice_every: int = 10) -> None:
        self.ports = ports
        self.twice_every = twice_every
        self._turn = itertools.count()
        self.twice = 0

    def drop(self, port: int) -> None:
        """The proxy's health check found the worker on `port` gone."""
        self.ports = [p for p in self.ports if p != port]

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        n = next(self._turn)
        targets = [self.ports[n % len(self.ports)]]
        every = self.twice_every
        if every and n % every == every - 1 and len(self.ports) > 1:
            targets.append(self.ports[(n + 1) % len(self.ports)])
            self.twice += 1
        for port in targets:
            await post_to(http, port, update)


async def post_to(http: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> None:
    url = f"http://127.0.0.1:{port}{PATH}"
    async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
        assert answer.status == 200


async def start_worker(
    api: FakeBotApi, db_url: str, port: int, config: Path = TWO_VILLAGES, **env: str
) -> asyncio.subprocess.Process:
    """A webhook worker on `port`, returned once its /healthz answers 200."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook",
        cwd=ROOT,
        env={
            **os.environ,
            "BALAI_TELEGRAM_TOKEN": api.token,
            "BALAI_TELEGRAM_API_URL": api.url,
            "BALAI_DATABASE_URL": db_url,
            "BALAI_CONFIG": str(config),
            "BALAI_WEBHOOK_URL": "https://desa.example/telegram/webhook",
            "BALAI_WEBHOOK_SECRET": SECRET,
            "BALAI_WEBHOOK_PORT": str(port),
            "BALAI_LOG_LEVEL": "WARNING",
            **env,
        },
    )
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    if answer.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError(f"worker on port {port} did not come up")
