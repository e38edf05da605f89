"""The admin-chat gate asks Telegram about membership outside the database transaction."""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url

from bot.app import build_core
from tests import postgres
from tests.conftest import settings_for
from tests.flows.test_letters import ADMIN, domisili, resident
from tests.helpers import Person


class WritingOfficials:
    """A directory that, while asked, needs the database's write lock (as any other
    person's message would while Telegram answers getChatMember); on PostgreSQL the lock
    on the asking official's own account, which their message's transaction takes."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.locked_out = 0
        self.asked = 0

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        self.asked += 1
        if not await self._can_lock(user_id):
            self.locked_out += 1
        return user_id == "9001"

    async def _can_lock(self, user_id: str) -> bool:
        if self.db_url.startswith("postgresql"):
            return await postgres.lock_is_free(
                self.db_url,
                "SELECT 1 FROM channel_identities WHERE external_id = $1 FOR UPDATE",
                user_id,
            )
        path = make_url(self.db_url).database or ""
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()


async def test_membership_is_asked_without_holding_the_write_lock(db_url, clock):
    officials = WritingOfficials(db_url)
    core = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    try:
        siti = await resident(core)
        case = await domisili(siti)
        sekdes = Person(core, "9001", "Pak Sekdes", chat=ADMIN)
        await sekdes.says(f"/kasus {case.code}")
        assert case.code in sekdes.text
        guest = Person(core, "9003", "Tamu", chat=ADMIN)
        await guest.says("/antrian")
        assert "hanya untuk petugas" in guest.text
        assert officials.asked == 2 and officials.locked_out == 0
    finally:
        await core.close()
