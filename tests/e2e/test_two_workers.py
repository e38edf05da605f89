"""Two `balai run --webhook` workers on one PostgreSQL database, behind a splitter that
hands Telegram's updates to them in turn (and some to both, as a redelivery would).

Only on PostgreSQL (`make test-postgres`): SQLite is one process by design.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from handlers.telegram.webhook import PATH, SECRET_HEADER
from storage.models import AuditEntry, Citizen
from tests.conftest import ROOT, TWO_VILLAGES, on_postgres
from tests.e2e.test_simulator_browser import free_port
from tests.handlers.arrivals import Registrant, arrives, received
from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser
from tests.helpers import stored

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(300)]

ADMIN = "-1001000000001"
SECRET = "two-workers-secret"
# Each registration sends a card to the admin chat, and Telegram lets a bot write to a
# group about every 3 seconds: the cards set the pace of this test, not the workers.
RESIDENTS = 12


class Splitter:
    """A reverse proxy as simple as can be: each update to the next worker; every tenth
    to both, as Telegram sends one again when it missed the first answer."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self._turn = itertools.count()
        self.twice = 0

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        n = next(self._turn)
        targets = [self.ports[n % len(self.ports)]]
        if n % 10 == 9:
            targets.append(self.ports[(n + 1) % len(self.ports)])
            self.twice += 1
        for port in targets:
            url = f"http://127.0.0.1:{port}{PATH}"
            async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
                assert answer.status == 200


async def start_worker(api: FakeBotApi, db_url: str, port: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BALAI_TELEGRAM_TOKEN": api.token,
        "BALAI_TELEGRAM_API_URL": api.url,
        "BALAI_DATABASE_URL": db_url,
        "BALAI_CONFIG": str(TWO_VILLAGES),
        "BALAI_WEBHOOK_URL": "https://desa.example/telegram/webhook",
        "BALAI_WEBHOOK_SECRET": SECRET,
        "BALAI_WEBHOOK_PORT": str(port),
        "BALAI_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--webhook", cwd=ROOT, env=env
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


@pytest.fixture
def started() -> Iterator[list[asyncio.subprocess.Process]]:
    """Workers the test started; whatever happens to the test, none outlives it."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


async def test_two_workers_answer_every_update_once_in_order_and_decide_once(
    bot_api, db_url, started
):
    assert on_postgres(), "two workers need PostgreSQL"
    bot_api.members[(ADMIN, "9001")] = "administrator"
    bot_api.members[(ADMIN, "9002")] = "administrator"
    ports = [free_port(), free_port()]
    workers = started
    for port in ports:
        workers.append(await start_worker(bot_api, db_url, port))
    splitter = Splitter(ports)
    try:
        async with aiohttp.ClientSession() as http:

            async def post(update: dict[str, Any]) -> None:
                update["update_id"] = bot_api.next_update_id()
                await splitter.post(http, update)

            residents = [Registrant(bot_api, 4001 + n, post) for n in range(RESIDENTS)]
            await asyncio.gather(*(r.registers(n) for n, r in enumerate(residents)))
            citizens = await stored(db_url, Citizen)
            assert len(citizens) == RESIDENTS

            # Two officials press Verifikasi on the same card at the same moment, each
            # on a different worker: one decision.
            sekdes = TelegramUser(bot_api, 9001, "Sekdes", chat_id=int(ADMIN))
            kades = TelegramUser(bot_api, 9002, "Kades", chat_id=int(ADMIN))
            for citizen in citizens:
                card = await arrives(bot_api, ADMIN, f"ver:{citizen.id}:")
                [button] = [b for b in card.buttons() if b["callback_data"].startswith("ver:")]
                presses = []
                for official, port in zip((sekdes, kades), ports, strict=True):
                    update = official.press_update(
                        button["callback_data"], card.message_id or 0, card.text
                    )
                    update["update_id"] = bot_api.next_update_id()
                    url = f"http://127.0.0.1:{port}{PATH}"
                    presses.append(http.post(url, json=update, headers={SECRET_HEADER: SECRET}))
                for answer in await asyncio.gather(*presses):
                    assert answer.status == 200
                    answer.release()
            for resident in residents:
                await arrives(bot_api, resident.chat, "Kabar baik")
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.terminate()
                await asyncio.wait_for(worker.wait(), 20)

    assert all(c.verified_at is not None for c in await stored(db_url, Citizen))
    verified = [e for e in await stored(db_url, AuditEntry) if e.action == "verify_citizen"]
    assert len([e for e in verified if e.outcome == "done"]) == RESIDENTS
    # Every resident's answers came once each and in the order of their steps.
    for resident in residents:
        steps = [
            int(c.text.split("Langkah ")[1].split()[0])
            for c in received(bot_api, resident.chat)
            if "Langkah " in c.text
        ]
        assert steps == sorted(steps) and len(steps) == len(set(steps)), steps
    assert splitter.twice > 0
