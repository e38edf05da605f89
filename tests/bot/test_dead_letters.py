"""`balai outbox`: dead letters listed without personal data, and sent again on request."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from bot.cli import main
from bot.outbox import OutboxWorker
from flows.engine.delivery import PermanentFailure
from flows.engine.types import Reply
from storage import outbox as outbox_rows
from tests.conftest import TWO_VILLAGES
from tests.helpers import InstantClock, Person, outbox, register

ADMIN_CHAT = "-1001000000001"


class Sender:
    """Records deliveries; fails every send while `failing` says why."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failing: str | None = None

    async def send(self, chat_id, reply, *, reply_to=None, thread_id=None, village=None):  # type: ignore[no-untyped-def]
        if self.failing:
            raise PermanentFailure(self.failing)
        self.sent.append((chat_id, reply.text))
        return str(len(self.sent))

    async def edit(self, chat_id, message_id, reply):  # type: ignore[no-untyped-def]
        return message_id


def worker(core, sender, clock) -> OutboxWorker:  # type: ignore[no-untyped-def]
    pacing = InstantClock()
    return OutboxWorker(
        core.sessions, {"telegram": sender}, clock, monotonic=pacing.now, sleep=pacing.sleep
    )


async def _dead_letters(core, clock, monkeypatch) -> Sender:  # type: ignore[no-untyped-def]
    """A registration card and a message full of numbers, both given up on."""
    monkeypatch.setenv("BALAI_DATABASE_URL", str(core.engine.url))
    monkeypatch.setenv("BALAI_CONFIG", str(TWO_VILLAGES))
    await register(Person(core))
    async with core.sessions() as session, session.begin():
        await outbox_rows.enqueue(
            session,
            [
                outbox_rows.row(
                    channel="telegram",
                    chat_id="5551234567",
                    payload=Reply("NIK 1804074107900002, HP +62 812-3456-7890").to_payload(),
                    now=clock(),
                    dedupe_key="followup:7:2:3",
                )
            ],
        )
    sender = Sender()
    sender.failing = "chat not found"
    await worker(core, sender, clock).run_once()
    assert {m.status for m in await outbox(core)} == {"failed"}
    return sender


async def test_dead_letters_are_listed_without_numbers_or_chat_ids(
    core, clock, monkeypatch, capsys
):
    await _dead_letters(core, clock, monkeypatch)
    assert await asyncio.to_thread(main, ["outbox"]) == 0
    shown = capsys.readouterr().out
    assert "ALASAN" in shown and "chat not found" in shown and "followup" in shown
    assert "2 pesan gagal terkirim" in shown
    assert not re.search(r"\d{6,}", shown)
    for leak in (ADMIN_CHAT, "5551234567", "3456", "7890", "1804"):
        assert leak not in shown
    for line in shown.splitlines()[1:3]:
        preview = line.rsplit("  ", 1)[-1]
        assert len(preview) <= 40


async def test_retried_dead_letter_is_delivered_by_the_worker(core, clock, monkeypatch, capsys):
    sender = await _dead_letters(core, clock, monkeypatch)
    card = min(m.id for m in await outbox(core))
    assert await asyncio.to_thread(main, ["outbox", "retry", str(card)]) == 0
    assert "1 pesan akan dikirim lagi" in capsys.readouterr().out
    sender.failing = None
    clock.now = datetime.now(UTC) + timedelta(seconds=1)  # the CLI put it due at its now
    assert await worker(core, sender, clock).run_once() == 1
    assert [chat for chat, _ in sender.sent] == [ADMIN_CHAT]
    statuses = {m.id: m.status for m in await outbox(core)}
    assert statuses[card] == "sent" and list(statuses.values()).count("failed") == 1

    # A message that is not a dead letter is left alone.
    assert await asyncio.to_thread(main, ["outbox", "retry", str(card)]) == 1
    assert "bukan pesan yang gagal terkirim" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["outbox", "retry", "--all"]) == 0
    assert await worker(core, sender, clock).run_once() == 1
    assert {m.status for m in await outbox(core)} == {"sent"}
    assert await asyncio.to_thread(main, ["outbox"]) == 0
    assert "Tidak ada pesan yang gagal terkirim" in capsys.readouterr().out
