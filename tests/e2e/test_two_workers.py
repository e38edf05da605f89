"""Two `balai run --webhook` workers on one PostgreSQL database, behind a splitter that
hands Telegram's updates to them in turn (and some to both, as a redelivery would).

Only on PostgreSQL (`make test-postgres`): SQLite is one process by design.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from storage.models import AuditEntry, Citizen
from tests.conftest import on_postgres
from tests.e2e.test_simulator_browser import free_port
from tests.handlers.arrivals import Registrant, arrives, received
from tests.handlers.fake_bot_api import TelegramUser
from tests.helpers import stored
from tests.workers import Splitter, post_to, start_worker

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(300)]

ADMIN = "-1001000000001"
# Each registration sends a card to the admin chat, and Telegram lets a bot write to a
# group about every 3 seconds: the cards set the pace of this test, not the workers.
RESIDENTS = 12


@pytest.fixture
def started() -> Iterator[list[asyncio.subprocess.Process]]:
    """Workers the test started; whatever happens to the test, none outlives it."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()


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
                    presses.append(post_to(http, port, update))
                await asyncio.gather(*presses)
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
