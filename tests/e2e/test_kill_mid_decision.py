"""`balai run` killed (SIGKILL) while an official's decision is handled: after a restart
the decision is recorded once or not at all, and the resident is told exactly once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.models import AuditEntry, Citizen, OutboxMessage
from tests.handlers.fake_bot_api import Call, FakeBotApi, TelegramUser
from tests.helpers import fill_registration, outbox_settled, stored
from tests.workers import start_polling

ADMIN = -1001000000001
RESIDENT = 1001
OFFICIAL = 9001
TOLD = "memverifikasi data Anda"  # the resident's notification (Indonesian)


async def start_balai(api: FakeBotApi, tmp_path: Path) -> asyncio.subprocess.Process:
    # A delivery the killed process had claimed is offered again this soon.
    return await start_polling(api, tmp_path, BALAI_OUTBOX_CLAIM_SECONDS="2")


def _db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'balai.db'}"


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)  # no chance to tidy up
    await process.wait()


class Catch:
    """Holds the first call matching `wanted` unanswered until released, then fails it:
    the process that made it is killed meanwhile, so it never learns the outcome."""

    def __init__(self, wanted: Callable[[Call], bool]) -> None:
        self.wanted = wanted
        self.caught = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, call: Call) -> None:
        if self.caught.is_set() or not self.wanted(call):
            return
        self.caught.set()
        await self.release.wait()
        raise ConnectionResetError("the caller is gone")  # answered 500, to nobody


def _told(api: FakeBotApi) -> list[Call]:
    """Notifications of the verification the resident actually received."""
    return [c for c in api.sent_to(RESIDENT, "sendMessage") if TOLD in c.text and c.answered]


async def _decisions(db_url: str) -> list[AuditEntry]:
    entries = await stored(db_url, AuditEntry)
    return [e for e in entries if e.action == "verify_citizen" and e.outcome == "done"]


def _press_of(card: Call) -> str:
    (button,) = [b for b in card.buttons() if "Verifikasi" in b["text"]]
    return str(button["callback_data"])


# Where the kill lands: at the admin-chat gate (getChatMember, before the decision's
# transaction), while the press is being acknowledged (the transaction running beside
# it), and after the commit while the resident's notification is on its way.
KILL_POINTS: dict[str, Callable[[Call], bool]] = {
    "at_the_gate": lambda c: c.method == "getChatMember",
    "mid_decision": lambda c: c.method == "answerCallbackQuery",
    "after_commit": lambda c: c.method == "sendMessage" and TOLD in c.text,
}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
async def test_a_decision_killed_midway_is_recorded_once_or_not_at_all(tmp_path, kill_point):
    api = FakeBotApi()
    await api.start()
    db_url = _db_url(tmp_path)
    process = await start_balai(api, tmp_path)
    try:
        siti = TelegramUser(api, RESIDENT, "Siti")
        await fill_registration(siti)
        card = await api.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == str(ADMIN) and c.buttons()
        )
        api.members[(str(ADMIN), str(OFFICIAL))] = "administrator"
        sekdes = TelegramUser(api, OFFICIAL, "Pak Sekdes", chat_id=ADMIN)

        catch = Catch(KILL_POINTS[kill_point])
        api.hold = catch
        api.push(sekdes.press_update(_press_of(card), card.message_id or 0, card.text))
        await asyncio.wait_for(catch.caught.wait(), 20)
        await _kill(process)
        catch.release.set()
        api.hold = None

        # What the killed process left: the decision whole, or nothing of it.
        recorded = await _decisions(db_url)
        assert len(recorded) <= 1
        if kill_point == "at_the_gate":
            assert recorded == []  # killed before the decision's transaction began
        if kill_point == "after_commit":
            assert len(recorded) == 1  # the notification leaves only after the commit
        if not recorded:
            assert (await stored(db_url, Citizen))[0].verified_at is None

        process = await start_balai(api, tmp_path)
        # The official presses again, as one would whose tap seemed lost. It decides, if
        # nothing was (Telegram may also hand the killed press to the new process, which
        # then decides it first); else it is told the resident is verified already.
        replies = await sekdes.presses(_press_of(card), card.message_id or 0, card.text)
        said = "\n".join(r.text for r in replies)
        assert "Diverifikasi oleh Pak Sekdes" in said or "Sudah diverifikasi" in said
        await outbox_settled(db_url)
        assert len(await _decisions(db_url)) == 1
        assert len(_told(api)) == 1
        (citizen,) = await stored(db_url, Citizen)
        assert citizen.verified_by == "Pak Sekdes"

        # The card still on the phone, pressed again: no second decision, no second word.
        replies = await sekdes.presses(_press_of(card), card.message_id or 0, card.text)
        assert "Sudah diverifikasi oleh Pak Sekdes" in "\n".join(r.text for r in replies)
        await outbox_settled(db_url)
        assert len(await _decisions(db_url)) == 1
        assert len(_told(api)) == 1
        notifications = [
            row
            for row in await stored(db_url, OutboxMessage)
            if (row.dedupe_key or "").startswith("verified:")
        ]
        assert len(notifications) == 1
        assert (await stored(db_url, Citizen))[0].verified_at == citizen.verified_at

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
