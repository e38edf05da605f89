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
        self.ports = list(ports)
        self.twice_every = twice_every
        self._turn = itertools.count()
        self.twice = 0
        # Updates sent again because their worker died before answering.
        self.resent = 0

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        n = next(self._turn)
        await self.post_at(http, n, update)
        every = self.twice_every
        if every and n % every == every - 1 and len(self.ports) > 1:
            self.twice += 1
            await self.post_at(http, n + 1, update)

    async def post_at(self, http: aiohttp.ClientSession, n: int, update: dict[str, Any]) -> None:
        """To the n-th live worker. One that dies before answering is dropped, and the
        update goes to the next, as Telegram sends it again (through the proxy)."""
        while True:
            port = self.ports[n % len(self.ports)]
            try:
                await post_to(http, port, update)
                return
            except aiohttp.ClientError:
                self.ports = [p for p in self.ports if p != port]
                self.resent += 1


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


# Pekon of a made-up kabupaten: names far enough apart that typing one finds only it.
PEKON = (
    "Padang Cahya", "Tanjung Raya", "Sidodadi", "Way Petai", "Hujung", "Bakhu", "Kota Besi",
    "Teba Liokh", "Trimulyo", "Sumber Jaya", "Simpang Sari", "Tugu Sari", "Sri Menanti",
    "Kagungan", "Lombok", "Suoh", "Bandar Negeri", "Tembelang", "Ringin Sari", "Gedung Surian",
    "Mutar Alam", "Air Hitam", "Batu Kebayan", "Bumi Hantatai",
)  # fmt: skip
DUSUN = ("Pemangku Satu", "Pemangku Dua")


def kabupaten_config(folder: Path, count: int = len(PEKON)) -> Path:
    """A config of `count` pekon, each with its own admin chat (-1003000000001, ...)."""
    entries = [
        f'[[villages]]\ncode = "18.04.{n // 100 + 1:02d}.{2001 + n % 100}"\n'
        f'name = "{name}"\nkecamatan = "Balik Bukit"\n'
        'kabupaten = "Kabupaten Lampung Barat"\ntimezone = "Asia/Jakarta"\n'
        f"admin_chat_id = {admin_chat(n)}\ndusun = {list(DUSUN)!r}\n"
        f'phone = "0728-{210001 + n}"\n'
        for n, name in enumerate(PEKON[:count])
    ]
    path = folder / "kabupaten.toml"
    path.write_text("\n".join(entries).replace("'", '"'), encoding="utf-8")
    return path


def admin_chat(n: int) -> int:
    """The n-th pekon's admin chat in kabupaten_config."""
    return -1003000000001 - n


async def start_polling(api: FakeBotApi, folder: Path, **env: str) -> asyncio.subprocess.Process:
    """`balai run` (long polling) on the SQLite file `folder`/balai.db, returned once it has
    published its command menu. Its log goes to `folder`/balai.log (read after a failure;
    a pipe nobody reads would stop it once full)."""
    started = len(api.calls)
    with (folder / "balai.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env={
                **os.environ,
                "BALAI_TELEGRAM_TOKEN": api.token,
                "BALAI_TELEGRAM_API_URL": api.url,
                "BALAI_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'balai.db'}",
                "BALAI_CONFIG": str(TWO_VILLAGES),
                **env,
            },
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 30
    while not any(
        c.method == "setMyCommands" and c.params.get("language_code") == "en"
        for c in api.calls[started:]
    ):
        assert time.monotonic() < deadline, "balai run did not start"
        await asyncio.sleep(0.05)
    return process
