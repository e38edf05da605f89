"""Pengumuman, the resident's side: topics, /berhenti, ✅ read once, 🔕 with undo, 📰 latest.

Announcements and their deliveries are made directly (composing and delivery are other
parts); what a resident receives is `message.resident_message`, as the sender sends it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import build_core
from flows.announce.message import resident_message
from storage.audience import Audience, recipients
from storage.models import Announcement, AnnouncementDelivery, Citizen, TopicSubscription
from tests.conftest import settings_for
from tests.flows.test_linking import WhatsAppPerson
from tests.helpers import Person, register, rows

SUKAMAJU = "18.04.07.2001"


async def topics_of(core, citizen_id: int) -> set[str]:
    found = await rows(core, TopicSubscription, TopicSubscription.citizen_id == citizen_id)
    return {s.topic for s in found}


async def citizen_named(core, name: str) -> Citizen:
    [found] = await rows(core, Citizen, Citizen.full_name == name)
    return found


async def resident(core, user_id: str, name: str, nik: str, dusun: str = "Krajan") -> Person:
    person = Person(core, user_id, name.split()[0])
    await register(person, name=name, nik=nik, dusun=dusun, phone=f"08123456{user_id[-4:]}")
    return person


async def announce(
    core,
    clock,
    *,
    text: str = "Posyandu balita hari Sabtu pukul 08.00 di balai desa.",
    kind: str = "normal",
    topic: str = "umum",
    audience: dict[str, Any] | None = None,
    to: list[Citizen] = (),  # type: ignore[assignment]
    status: str = "done",
    media: str | None = None,
    ago: timedelta = timedelta(0),
) -> Announcement:
    """An announcement sent `ago`, with a sent delivery to each of `to`."""
    when = clock() - ago
    async with core.sessions() as session, session.begin():
        village_id = core.services.village_ids[SUKAMAJU]
        row = Announcement(
            code=f"PGM-{abs(hash((text, when))) % 10000:04d}",
            village_ids=[village_id],
            admin_chat_id="-1001000000001",
            author_id="9001",
            author_name="Pak Sekdes",
            kind=kind,
            topic=topic,
            audience=audience or {},
            text=text,
            media_ref=media,
            media_kind="photo" if media else None,
            status=status,
            send_at=when,
            started_at=when,
            finished_at=when if status == "done" else None,
            expires_at=when + timedelta(days=7),
            created_at=when,
        )
        session.add(row)
        await session.flush()
        for citizen in to:
            session.add(
                AnnouncementDelivery(
                    announcement_id=row.id,
                    citizen_id=citizen.id,
                    village_id=village_id,
                    channel="telegram",
                    chat_id="x",
                    dusun=citizen.dusun or "",
                    status="sent",
                    queued_at=when,
                    sent_at=when,
                )
            )
    return row


def receives(person: Person, announcement: Announcement, clock) -> None:
    """The announcement arrives in the person's chat as the sender sends it."""
    village = person.core.services.villages.by_code(SUKAMAJU)
    reply = resident_message(
        person.core.services.translations("id").gettext, village, announcement, clock(), "id"
    )
    person.replies = [reply]


async def test_a_new_resident_takes_umum_and_darurat_on_both_apps(core):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    for name in ("Siti Aminah", "Budi Santoso"):
        assert await topics_of(core, (await citizen_named(core, name)).id) == {"umum", "darurat"}
    for person in (siti, wa):
        await person.says("/langganan")
        assert "✅ Umum" in person.last.text and "⬜ Pertanian" in person.last.text
        assert "🔒 Darurat: selalu dikirim ke semua warga, tidak bisa dimatikan" in person.text
        await person.says("pengumuman terbaru")
        assert "Belum ada pengumuman untuk Anda dalam 30 hari terakhir" in person.last.text


async def test_langganan_toggles_and_survives_a_restart(core, db_url, clock, officials):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    await siti.says("langganan")
    await siti.taps("⬜ Pertanian")
    assert "Anda akan menerima pengumuman topik Pertanian" in siti.last.text
    assert "✅ Pertanian" in siti.last.text and siti.last.replace_origin
    await siti.taps("✅ Umum")
    assert "tidak lagi menerima pengumuman topik Umum" in siti.last.text
    assert "Pengumuman Darurat tetap dikirim" in siti.last.text
    # A double tap on the old button changes nothing more.
    await siti.presses("pgm:sub:pertanian")
    citizen = await citizen_named(core, "Siti Aminah")
    assert await topics_of(core, citizen.id) == {"pertanian", "darurat"}

    again = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    try:
        siti_again = Person(again, "1001", "Siti")
        await siti_again.says("/langganan")
        assert "✅ Pertanian" in siti_again.text and "⬜ Umum" in siti_again.text
    finally:
        await again.close()


async def test_darurat_cannot_be_turned_off(core):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    await siti.says("/langganan")
    await siti.taps("🔒 Darurat")
    assert "tidak bisa dimatikan" in siti.last.text
    # Buttons are untrusted: a forged one changes nothing.
    await siti.presses("pgm:uns:darurat")
    await siti.presses("pgm:stop:darurat")
    assert "tidak bisa dimatikan" in siti.last.text
    citizen = await citizen_named(core, "Siti Aminah")
    assert "darurat" in await topics_of(core, citizen.id)


async def test_berhenti_stops_all_but_darurat_on_whatsapp(core):
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    await wa.says("/langganan")
    await wa.taps("⬜ Kesehatan")
    await wa.says("berhenti pengumuman")
    assert "Hentikan semua pengumuman kecuali Darurat?" in wa.last.text
    assert "Pengumuman Darurat (🚨) tetap dikirim" in wa.last.text
    await wa.taps("Batal")
    citizen = await citizen_named(core, "Budi Santoso")
    assert await topics_of(core, citizen.id) == {"umum", "kesehatan", "darurat"}
    await wa.says("/berhenti")
    await wa.taps("Ya, hentikan")
    assert "Pengumuman Darurat tetap dikirim ke semua warga" in wa.last.text
    assert await topics_of(core, citizen.id) == {"darurat"}
    village = core.services.village_ids[SUKAMAJU]
    async with core.sessions() as session:
        health = list(await session.execute(recipients(Audience((village,), "kesehatan"))))
        emergency = list(
            await session.execute(recipients(Audience((village,), "darurat", everyone=True)))
        )
    assert health == [] and [r[0] for r in emergency] == [citizen.id]


async def test_read_acknowledgement_is_counted_once(core, clock):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    citizen = await citizen_named(core, "Siti Aminah")
    sent = await announce(core, clock, kind="important", to=[citizen])
    receives(siti, sent, clock)
    assert siti.last.text.startswith("⚠️ Penting · Desa Sukamaju")
    await siti.taps("Sudah saya baca")
    assert "Sudah kami catat" in siti.last.text
    [delivery] = await rows(core, AnnouncementDelivery)
    first = delivery.read_at
    assert first == clock()

    clock.advance(minutes=5)
    receives(siti, sent, clock)
    await siti.taps("Sudah saya baca")
    assert "sudah menandai pengumuman ini sebagai dibaca" in siti.last.text
    [delivery] = await rows(core, AnnouncementDelivery)
    assert delivery.read_at == first

    # Someone it was not sent to (the message forwarded to them) is thanked, nothing kept.
    receives(budi, sent, clock)
    await budi.taps("Sudah saya baca")
    assert budi.last.text == "✅ Terima kasih sudah membaca."
    assert len(await rows(core, AnnouncementDelivery)) == 1


async def test_stop_a_topic_from_a_delivered_announcement_and_undo(core, clock):
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    citizen = await citizen_named(core, "Budi Santoso")
    await wa.says("/langganan")
    await wa.taps("⬜ Pertanian")
    sent = await announce(
        core, clock, topic="pertanian", text="Pupuk subsidi datang.", to=[citizen]
    )
    receives(wa, sent, clock)
    assert "Sudah saya baca" not in str(wa.buttons())
    await wa.taps("Berhenti topik ini")
    assert "tidak lagi menerima pengumuman topik Pertanian" in wa.last.text
    assert "Pengumuman Darurat tetap dikirim" in wa.last.text
    assert await topics_of(core, citizen.id) == {"umum", "darurat"}
    await wa.taps("Batalkan")
    assert "Anda akan menerima pengumuman topik Pertanian" in wa.last.text
    assert await topics_of(core, citizen.id) == {"umum", "pertanian", "darurat"}
    # An emergency has no 🔕.
    urgent = await announce(core, clock, kind="emergency", topic="darurat", to=[citizen])
    receives(wa, urgent, clock)
    assert not any("Berhenti" in label for label in wa.buttons())


async def test_latest_shows_what_reached_them_and_what_their_dusun_had_before(core, clock):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    old_timer = await citizen_named(core, "Siti Aminah")
    clock.advance(days=45)
    await announce(core, clock, text="Kerja bakti bulan lalu.", ago=timedelta(days=40))
    await announce(
        core,
        clock,
        text="Posyandu Krajan hari Sabtu.",
        audience={"dusun": ["Krajan"]},
        to=[old_timer],
        ago=timedelta(days=3),
    )
    await announce(
        core,
        clock,
        text="Jalan Sidorejo ditutup.",
        audience={"dusun": ["Sidorejo"]},
        ago=timedelta(days=2),
    )
    await announce(
        core, clock, text="Lahan pertanian dibagi.", topic="pertanian", ago=timedelta(days=2)
    )
    await announce(
        core,
        clock,
        text="Awas banjir di Krajan.",
        kind="emergency",
        topic="darurat",
        media="m:1",
        ago=timedelta(days=1),
    )
    await announce(
        core,
        clock,
        text="Rapat RT 003 Krajan.",
        audience={"dusun": ["Krajan"], "rt": ["003"]},
        ago=timedelta(hours=20),
    )
    await announce(
        core, clock, text="Dibatalkan saja.", status="cancelled", ago=timedelta(hours=10)
    )

    # Budi joins now, in Krajan RT 003; then one announcement reaches him.
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    budi = await citizen_named(core, "Budi Santoso")
    clock.advance(hours=1)
    await announce(core, clock, text="Vaksinasi besok pagi.", to=[budi])

    await wa.says("/menu")
    await wa.taps("📣 Pengumuman")
    await wa.taps("Pengumuman terbaru")
    text = wa.last.text
    assert "30 hari terakhir" in text
    for shown in ("Vaksinasi besok", "Rapat RT 003", "Awas banjir", "Posyandu Krajan"):
        assert shown in text
    for hidden in ("Kerja bakti", "Jalan Sidorejo", "Lahan pertanian", "Dibatalkan"):
        assert hidden not in text
    assert text.index("Vaksinasi") < text.index("Rapat RT") < text.index("Awas banjir")
    assert "🚨 Darurat · Desa Sukamaju" in text and "📎 dengan foto atau berkas" in text
    await wa.taps("Buka 3")
    assert wa.last.text.startswith("🚨 Darurat · Desa Sukamaju")
    assert "Awas banjir di Krajan." in wa.last.text
    assert [m.ref for m in wa.last.media] == ["m:1"]
    assert any("Sudah saya baca" in label for label in wa.buttons())

    # Siti, in Krajan before all of them, sees only what reached her.
    await siti.says("pengumuman terbaru")
    assert "Posyandu Krajan" in siti.last.text
    assert "Rapat RT" not in siti.last.text and "Awas banjir" not in siti.last.text
    # A forged 📄 for another dusun's announcement opens nothing.
    [closed] = await rows(core, Announcement, Announcement.text == "Jalan Sidorejo ditutup.")
    await wa.presses(f"pgm:open:{closed.id}")
    assert "sudah tidak tersedia" in wa.last.text and "Jalan Sidorejo" not in wa.last.text


async def test_hapusdata_deletes_the_subscriptions(core):
    siti = await resident(core, "1001", "Siti Aminah", "1804074107900002")
    citizen = await citizen_named(core, "Siti Aminah")
    await siti.says("/langganan")
    await siti.taps("⬜ Pertanian")
    assert len(await topics_of(core, citizen.id)) == 3
    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    assert await rows(core, TopicSubscription) == []
    await siti.says("/langganan")
    assert "Silakan daftar dulu" in siti.last.text


async def test_someone_not_registered_is_offered_registration(core):
    stranger = Person(core, "1009", "Tamu")
    for pressed in ("pgm:read:1", "pgm:stop:umum", "pgm:open:1"):
        await stranger.presses(pressed)
        assert "Silakan daftar dulu" in stranger.last.text
    await stranger.says("/berhenti")
    assert "Silakan daftar dulu" in stranger.last.text
    assert await rows(core, TopicSubscription) == []


async def test_ok_or_thanks_after_an_announcement_is_thanked_not_taken_for_a_request(core):
    from storage.models import Case, Conversation

    siti = await resident(core, "2101", "Siti Aminah", "1804074107900002")
    for said in ("ok", "baik", "Baik pak, terima kasih 🙏", "siap min", "Oke"):
        await siti.says(said)
        assert "Terima kasih" in siti.text, (said, siti.text)
    assert await rows(core, Case) == []
    assert [c for c in await rows(core, Conversation) if c.flow] == []
    await siti.says("selokan mampet")  # a real request still reaches its service
    assert "pengaduan" in siti.text.lower(), siti.text


def test_two_or_three_letters_match_only_a_whole_word():
    from flows.common.matching import match

    complaints = {"kebersihan": ["selokan", "sampah"], "jalan": ["jalan rusak"]}
    assert match("ok", complaints).best is None  # inside "selokan", not a word of it
    letters = {"pengantar_kk": ["pengantar kk"], "domisili": ["surat keterangan domisili"]}
    assert match("kk", letters).best == "pengantar_kk"


async def test_a_lone_form_of_address_is_not_thanked(core):
    siti = await resident(core, "2102", "Siti Aminah", "1804074107900003")
    await siti.says("admin")
    assert "Terima kasih" not in siti.text
