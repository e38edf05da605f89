"""Delivering announcements: the dispatcher and the outbox worker on a real database, with
recording senders (tests/handlers/ has the same over the fake Bot API and Graph API)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from bot.broadcast import Dispatcher
from bot.outbox import OutboxWorker
from flows.engine.delivery import RecipientUnreachable
from flows.engine.types import Outbound, Reply
from storage import outbox as outbox_rows
from storage.models import (
    Announcement,
    AnnouncementDelivery,
    ChannelIdentity,
    Citizen,
    OutboxMessage,
    TopicSubscription,
)
from tests.helpers import InstantClock, rows

SUKAMAJU, SUKAMAKMUR = "18.04.07.2001", "73.71.01.1001"
ADMIN = "-1001000000001"


class RecordingSender:
    """Records what each chat received; chosen chats answer as blocked."""

    def __init__(self, blocked: set[str] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.blocked = blocked or set()
        self.edits: list[tuple[str, str, str]] = []

    async def send(
        self, chat_id: str, reply: Reply, *, reply_to=None, thread_id=None, village=None
    ) -> str | None:
        if chat_id in self.blocked:
            raise RecipientUnreachable("Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, reply.text))
        return str(len(self.sent) + len(self.edits))

    async def edit(self, chat_id: str, message_id: str, reply: Reply) -> str | None:
        self.edits.append((chat_id, message_id, reply.text))
        return message_id

    def residents(self) -> Counter[str]:
        """How many announcements each resident's chat received (not the admin chat)."""
        return Counter(chat for chat, text in self.sent if not chat.startswith("-"))


class WindowSender(RecordingSender):
    """A chat app with a 24-hour window; `templates` says whether one is configured."""

    window = timedelta(hours=24)

    def __init__(self, templates: bool) -> None:
        super().__init__()
        self.templates: list[tuple[str, dict[str, Any]]] = []
        if not templates:
            self.send_held = None  # type: ignore[assignment]

    async def send_held(self, chat_id, purpose, values, *, village=None) -> str | None:
        self.templates.append((chat_id, {"purpose": purpose, **values}))
        return f"t{len(self.templates)}"


async def seed(
    core,
    n: int,
    *,
    village: str = SUKAMAJU,
    dusun: str = "Krajan",
    channel: str = "telegram",
    topics: tuple[str, ...] = ("umum", "darurat"),
    first_chat: int = 5000,
    last_inbound: datetime | None = None,
) -> list[str]:
    """Residents registered straight into the database; returns their chat ids."""
    now = core.services.clock()
    chats = []
    async with core.sessions() as session, session.begin():
        village_id = core.services.village_ids[village]
        for i in range(n):
            citizen = Citizen(
                village_id=village_id,
                full_name=f"Warga {i}",
                dusun=dusun,
                rt="001",
                rw="001",
                registered_at=now,
            )
            session.add(citizen)
            await session.flush()
            chat = str(first_chat + i)
            session.add(
                ChannelIdentity(
                    channel=channel,
                    external_id=chat,
                    citizen_id=citizen.id,
                    last_inbound_at=last_inbound,
                )
            )
            for topic in topics:
                session.add(TopicSubscription(citizen_id=citizen.id, topic=topic, created_at=now))
            chats.append(chat)
    return chats


async def announce(
    core,
    *,
    kind: str = "normal",
    topic: str = "umum",
    audience: dict[str, Any] | None = None,
    village: str = SUKAMAJU,
    also: tuple[str, ...] = (),
    valid_days: int = 7,
) -> int:
    """A scheduled announcement, due now, to `village` (and the villages `also`, as a
    region's admin chat sends it)."""
    now = core.services.clock()
    async with core.sessions() as session, session.begin():
        row = Announcement(
            code="PGM-7K3Q",
            village_ids=[core.services.village_ids[v] for v in (village, *also)],
            admin_chat_id=ADMIN,
            author_id="77",
            author_name="Pak Kades",
            kind=kind,
            topic=topic,
            audience=audience or {},
            text="Posyandu hari Sabtu di balai desa.",
            status="scheduled",
            send_at=now,
            expires_at=now + timedelta(days=valid_days),
            created_at=now,
        )
        session.add(row)
        await session.flush()
        return row.id


def worker_for(core, senders) -> OutboxWorker:
    pacing = InstantClock()
    return OutboxWorker(
        core.sessions, senders, core.services.clock, monotonic=pacing.now, sleep=pacing.sleep
    )


async def deliver_all(dispatcher: Dispatcher, worker: OutboxWorker, rounds: int = 200) -> None:
    """Rounds of both until neither has anything left to do."""
    for _ in range(rounds):
        queued = await dispatcher.run_once()
        sent = await worker.run_once()
        if not queued and not sent:
            return
    raise AssertionError("still delivering")


async def statuses(core, announcement_id: int) -> Counter[str]:
    found = await rows(
        core, AnnouncementDelivery, AnnouncementDelivery.announcement_id == announcement_id
    )
    return Counter(d.status for d in found)


async def announcement(core, announcement_id: int) -> Announcement:
    [row] = await rows(core, Announcement, Announcement.id == announcement_id)
    return row


async def test_only_the_audience_receives_it_once(core):
    krajan = await seed(core, 5, dusun="Krajan")
    sidorejo = await seed(core, 3, dusun="Sidorejo", first_chat=6000)
    await seed(core, 4, dusun="Sumberagung", first_chat=7000)
    await seed(core, 2, village=SUKAMAKMUR, dusun="Lingkungan Satu", first_chat=8000)
    ann = await announce(core, audience={"dusun": ["Krajan", "Sidorejo"]})
    sender = RecordingSender()
    await deliver_all(
        Dispatcher(core.services, core.sessions), worker_for(core, {"telegram": sender})
    )
    assert sender.residents() == Counter({chat: 1 for chat in krajan + sidorejo})
    assert all("Posyandu hari Sabtu" in text for chat, text in sender.sent if chat in krajan)
    assert await statuses(core, ann) == Counter(sent=8)
    done = await announcement(core, ann)
    assert done.status == "done" and done.finished_at is not None


async def test_topic_opt_out_is_respected_and_darurat_reaches_everyone(core):
    subscribed = await seed(core, 2, topics=("pertanian", "darurat"))
    opted_out = await seed(core, 2, topics=(), first_chat=6000)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions)
    worker = worker_for(core, {"telegram": sender})
    await announce(core, topic="pertanian")
    await deliver_all(dispatcher, worker)
    assert set(sender.residents()) == set(subscribed)
    sender.sent.clear()
    await announce(core, kind="emergency", topic="darurat")
    await deliver_all(dispatcher, worker)
    assert sender.residents() == Counter({chat: 1 for chat in subscribed + opted_out})


async def test_restart_mid_broadcast_sends_no_one_twice(core):
    chats = await seed(core, 40)
    ann = await announce(core)
    sender = RecordingSender()
    first = Dispatcher(core.services, core.sessions, backlog=10)
    worker = worker_for(core, {"telegram": sender})
    await first.run_once()
    await worker.run_once()
    # A claimed message whose worker died: offered again once its claim runs out.
    async with core.sessions() as session, session.begin():
        await outbox_rows.claim_due(session, core.services.clock(), 3)
    assert 0 < len(sender.residents()) < 40
    # A new dispatcher and worker on the same database, as after a restart.
    core.services.clock.advance(minutes=3)  # type: ignore[attr-defined]
    await deliver_all(
        Dispatcher(core.services, core.sessions, backlog=10), worker_for(core, {"telegram": sender})
    )
    assert sender.residents() == Counter({chat: 1 for chat in chats})
    assert await statuses(core, ann) == Counter(sent=40)


async def test_blocked_residents_are_marked_unreachable_and_counted(core):
    chats = await seed(core, 4)
    ann = await announce(core)
    sender = RecordingSender(blocked={chats[1]})
    dispatcher = Dispatcher(core.services, core.sessions)
    await deliver_all(dispatcher, worker_for(core, {"telegram": sender}))
    assert await statuses(core, ann) == Counter(sent=3, unreachable=1)
    [identity] = await rows(core, ChannelIdentity, ChannelIdentity.external_id == chats[1])
    assert identity.unreachable_at is not None
    # The next announcement counts them as unreachable at once and never tries them.
    sender.blocked.clear()
    sender.sent.clear()
    second = await announce(core)
    await deliver_all(dispatcher, worker_for(core, {"telegram": sender}))
    assert await statuses(core, second) == Counter(sent=3, unreachable=1)
    assert chats[1] not in sender.residents()
    card = sender.edits[-1][2]
    assert "Diblokir / tidak bisa dihubungi: 1" in card


async def test_a_case_card_overtakes_the_remaining_broadcast(core):
    await seed(core, 30)
    await announce(core)
    sender = RecordingSender()
    await Dispatcher(core.services, core.sessions).run_once()  # the card, 30 deliveries
    await core.runner.queue([Outbound("telegram", "-1001000000002", Reply("Laporan baru ADU-1"))])
    pacing = InstantClock()
    # A claim of two chats shows the order: the progress card, then the case card.
    worker = OutboxWorker(
        core.sessions,
        {"telegram": sender},
        core.services.clock,
        batch=2,
        monotonic=pacing.now,
        sleep=pacing.sleep,
    )
    await worker.run_once()
    assert [chat for chat, _t in sender.sent] == [ADMIN, "-1001000000002"]
    await worker.run_once()
    assert len(sender.residents()) == 2


async def test_normal_waits_out_quiet_hours_important_goes_at_once(core, clock):
    chats = await seed(core, 2)
    clock.now = datetime(2026, 11, 22, 15, 30, tzinfo=clock.now.tzinfo)  # 22.30 WIB
    normal = await announce(core)
    important = await announce(core, kind="important")
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions)
    worker = worker_for(core, {"telegram": sender})
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, normal)).status == "scheduled"
    assert (await announcement(core, important)).status == "done"
    assert sender.residents() == Counter({chat: 1 for chat in chats})
    clock.now = datetime(2026, 11, 22, 23, 0, tzinfo=clock.now.tzinfo)  # 06.00 WIB
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, normal)).status == "done"
    assert sender.residents() == Counter({chat: 2 for chat in chats})


async def test_normal_under_way_when_quiet_hours_begin_rests_until_morning(core, clock):
    chats = await seed(core, 12)
    clock.now = datetime(2026, 11, 22, 13, 59, tzinfo=clock.now.tzinfo)  # 20.59 WIB
    normal = await announce(core)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions, backlog=4)
    worker = worker_for(core, {"telegram": sender})
    await dispatcher.run_once()
    await worker.run_once()
    assert len(sender.residents()) == 4
    clock.now = datetime(2026, 11, 22, 14, 1, tzinfo=clock.now.tzinfo)  # 21.01 WIB
    darurat = await announce(core, kind="emergency")
    await deliver_all(dispatcher, worker)
    assert await statuses(core, darurat) == Counter(sent=12)  # the night does not hold it
    assert await statuses(core, normal) == Counter(sent=4, pending=8)
    resting = "🌙 Jam istirahat malam: sisanya dikirim 23 November 2026 06.00 WIB."
    assert any(resting in text for _chat, _id, text in sender.edits)
    clock.now = datetime(2026, 11, 22, 23, 0, tzinfo=clock.now.tzinfo)  # 06.00 WIB
    await deliver_all(dispatcher, worker)
    assert await statuses(core, normal) == Counter(sent=12)
    assert sender.residents() == Counter(dict.fromkeys(chats, 2))


async def test_a_regions_normal_announcement_waits_for_the_night_of_each_of_its_villages(
    core, clock
):
    sukamaju = await seed(core, 2)  # WIB
    sukamakmur = await seed(core, 2, village=SUKAMAKMUR, dusun="Lingkungan Satu", first_chat=8000)
    clock.now = datetime(2026, 11, 22, 13, 30, tzinfo=clock.now.tzinfo)  # 20.30 WIB, 21.30 WITA
    normal = await announce(core, also=(SUKAMAKMUR,))
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions)
    worker = worker_for(core, {"telegram": sender})
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, normal)).status == "scheduled"  # night in Sukamakmur
    clock.now = datetime(2026, 11, 22, 22, 0, tzinfo=clock.now.tzinfo)  # 05.00 WIB, 06.00 WITA
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, normal)).status == "scheduled"  # still night in Sukamaju
    assert not sender.residents()
    clock.now = datetime(2026, 11, 22, 23, 0, tzinfo=clock.now.tzinfo)  # 06.00 WIB
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, normal)).status == "done"
    assert sender.residents() == Counter(dict.fromkeys(sukamaju + sukamakmur, 1))


async def test_a_scheduled_announcement_starts_when_its_time_comes(core, clock):
    chats = await seed(core, 3)
    ann = await announce(core)
    async with core.sessions() as session, session.begin():
        row = await session.get(Announcement, ann)
        row.send_at = clock.now + timedelta(hours=2)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions)
    worker = worker_for(core, {"telegram": sender})
    await deliver_all(dispatcher, worker)
    clock.advance(hours=1, minutes=59)
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, ann)).status == "scheduled"
    assert sender.sent == []
    clock.advance(minutes=1)
    await deliver_all(dispatcher, worker)
    assert (await announcement(core, ann)).status == "done"
    assert sender.residents() == Counter(dict.fromkeys(chats, 1))


async def test_paused_is_not_fed_and_stopped_skips_the_rest(core):
    await seed(core, 20)
    ann = await announce(core)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions, backlog=5)
    worker = worker_for(core, {"telegram": sender})
    await dispatcher.run_once()
    await worker.run_once()
    await set_status(core, ann, "paused")
    await deliver_all(dispatcher, worker)
    assert len(sender.residents()) == 5
    assert (await statuses(core, ann))["pending"] == 15
    await set_status(core, ann, "sending")
    await dispatcher.run_once()
    await worker.run_once()
    await set_status(core, ann, "stopped")
    await deliver_all(dispatcher, worker)
    assert len(sender.residents()) == 10
    assert await statuses(core, ann) == Counter(sent=10, skipped=10)
    final = await announcement(core, ann)
    assert final.status == "stopped" and final.finished_at is not None
    assert "Dihentikan" in sender.edits[-1][2]


async def test_a_pause_takes_back_what_the_outbox_had_not_sent_and_resume_sends_it_once(core):
    chats = await seed(core, 12)
    ann = await announce(core)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions, backlog=5)
    worker = worker_for(core, {"telegram": sender})
    await dispatcher.run_once()  # five in the outbox, none sent yet
    await set_status(core, ann, "paused")
    await deliver_all(dispatcher, worker)
    assert sender.residents() == Counter()
    assert await statuses(core, ann) == Counter(pending=12)
    await set_status(core, ann, "sending")
    await deliver_all(dispatcher, worker)
    assert sender.residents() == Counter(dict.fromkeys(chats, 1))
    assert await statuses(core, ann) == Counter(sent=12)


async def test_a_stop_after_it_is_done_takes_back_what_waits_for_a_whatsapp_window(core, clock):
    await seed(core, 2)
    waiting = await seed(
        core,
        1,
        channel="whatsapp",
        first_chat=6281200000009,
        last_inbound=clock.now - timedelta(days=3),
    )
    ann = await announce(core)
    telegram, whatsapp = RecordingSender(), WindowSender(templates=False)
    dispatcher = Dispatcher(core.services, core.sessions)
    worker = worker_for(core, {"telegram": telegram, "whatsapp": whatsapp})
    await deliver_all(dispatcher, worker)
    assert await statuses(core, ann) == Counter(sent=2, held=1)
    assert (await announcement(core, ann)).status == "done"
    assert "1 warga WhatsApp menerimanya bila mengirim pesan ke Balai" in telegram.edits[-1][2]
    await set_status(core, ann, "stopped")
    await deliver_all(dispatcher, worker)
    async with core.sessions() as session, session.begin():  # the resident writes
        assert await outbox_rows.wake(session, "whatsapp", waiting[0], clock.now) == 0
    await deliver_all(dispatcher, worker)
    assert whatsapp.sent == [] and whatsapp.templates == []
    assert await statuses(core, ann) == Counter(sent=2, skipped=1)


async def set_status(core, announcement_id: int, status: str) -> None:
    """What the officials' ⏸/▶️/⏹ buttons do (the compose helper's flow)."""
    async with core.sessions() as session, session.begin():
        row = await session.get(Announcement, announcement_id)
        row.status = status
        row.version += 1


async def test_the_progress_card_is_edited_not_sent_again(core, clock):
    await seed(core, 12)
    ann = await announce(core)
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions, backlog=4)
    worker = worker_for(core, {"telegram": sender})
    for _ in range(6):
        await dispatcher.run_once()
        await worker.run_once()
        clock.advance(seconds=6)
    await deliver_all(dispatcher, worker)
    cards = [text for chat, text in sender.sent if chat == ADMIN]
    assert len(cards) == 1 and "Sedang dikirim" in cards[0]
    assert len(sender.edits) >= 2
    final = sender.edits[-1][2]
    assert "Selesai" in final and "Terkirim: 12" in final and "Menunggu: 0" in final
    assert (await announcement(core, ann)).status == "done"


async def test_whatsapp_outside_the_window_gets_the_template_or_waits_then_expires(core, clock):
    long_ago = clock.now - timedelta(days=3)
    inside = await seed(
        core, 1, channel="whatsapp", first_chat=6281200000001, last_inbound=clock.now
    )
    outside = await seed(
        core, 1, channel="whatsapp", first_chat=6281200000002, last_inbound=long_ago
    )
    templated = WindowSender(templates=True)
    ann = await announce(core)
    dispatcher = Dispatcher(core.services, core.sessions)
    tg = RecordingSender()
    await deliver_all(dispatcher, worker_for(core, {"whatsapp": templated, "telegram": tg}))
    assert [chat for chat, _t in templated.sent] == inside
    assert [(chat, v["purpose"]) for chat, v in templated.templates] == [
        (outside[0], "announcement")
    ]
    assert await statuses(core, ann) == Counter(sent=2)

    held = WindowSender(templates=False)
    second = await announce(core, valid_days=2)
    await deliver_all(dispatcher, worker_for(core, {"whatsapp": held, "telegram": tg}))
    assert [chat for chat, _t in held.sent] == inside
    assert await statuses(core, second) == Counter(sent=1, held=1)
    assert (await announcement(core, second)).status == "done"
    clock.advance(days=3)
    await deliver_all(dispatcher, worker_for(core, {"whatsapp": held, "telegram": tg}))
    assert await statuses(core, second) == Counter(sent=1, expired=1)
    [message] = await rows(
        core,
        OutboxMessage,
        OutboxMessage.chat_id == outside[0],
        OutboxMessage.topic == f"ann:{second}",
    )
    assert message.status == "failed"


async def test_darurat_goes_before_an_earlier_announcement(core):
    await seed(core, 6, topics=("umum",))
    normal = await announce(core)
    emergency = await announce(core, kind="emergency", topic="darurat")
    sender = RecordingSender()
    dispatcher = Dispatcher(core.services, core.sessions, backlog=6)
    await dispatcher.run_once()
    await worker_for(core, {"telegram": sender}).run_once()
    assert all("Darurat" in text for chat, text in sender.sent if not chat.startswith("-"))
    assert (await statuses(core, normal))["pending"] == 6
    await deliver_all(dispatcher, worker_for(core, {"telegram": sender}))
    assert await statuses(core, emergency) == await statuses(core, normal) == Counter(sent=6)


async def test_announcements_leave_part_of_telegrams_rate_to_everything_else(core):
    """Paced at 25/s rather than 30/s (the decisions, on a clock that costs no time)."""
    await seed(core, 10)
    await announce(core, kind="important")
    await Dispatcher(core.services, core.sessions).run_once()
    pacing = InstantClock()
    worker = OutboxWorker(
        core.sessions,
        {"telegram": RecordingSender()},
        core.services.clock,
        monotonic=pacing.now,
        sleep=pacing.sleep,
    )
    start = pacing.now()
    await worker.run_once()
    # The card, then ten deliveries 1/25 s apart (at 30/s the eleven would take 10/30 s).
    assert pacing.now() - start >= 9 / 25 + 1 / 30 - 1e-6
