"""Pengumuman, the officials' side, whole conversations in the admin chat: compose, preview
counts, schedule and cancel, four-eyes, regions, pause/resume/stop."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.app import build_core
from bot.config import load_villages
from flows.common.villages import Region, Villages
from storage.models import Announcement, AuditEntry
from tests.conftest import TWO_VILLAGES, settings_for
from tests.flows.test_complaints import ADMIN, official
from tests.flows.test_linking import WhatsAppPerson
from tests.helpers import Person, register, rows

OTHER_ADMIN = "-1001000000002"
REGION_CHAT = "-1009000000001"
SUKAMAJU, SUKAMAKMUR = "18.04.07.2001", "73.71.01.1001"


async def resident(core, user_id: str, dusun: str, *, whatsapp: bool = False, nik_end: int = 2):
    person = WhatsAppPerson(core, user_id, phone=None) if whatsapp else Person(core, user_id)
    nik = f"18040741079{nik_end:05d}"
    await register(person, nik=nik, dusun=dusun, phone=f"0812345{nik_end:05d}")
    return person


async def village_of_residents(core) -> None:
    """Two in Krajan (one on WhatsApp), one in Sidorejo (WhatsApp), one in Sumberagung;
    each takes Umum and Darurat on registering."""
    await resident(core, "1001", "Krajan", nik_end=2)
    await resident(core, "wa-1", "Krajan", whatsapp=True, nik_end=3)
    await resident(core, "wa-2", "Sidorejo", whatsapp=True, nik_end=4)
    await resident(core, "1004", "Sumberagung", nik_end=5)


async def compose(person: Person, text: str, *, who: str = "🏘️", when: str = "⚡") -> None:
    await person.says("/umumkan")
    await person.says(text)
    await person.taps(who)
    if who.startswith("📍"):
        await person.taps("Krajan")
        await person.taps("Sidorejo")
        await person.taps("➡️")
    await person.taps("📢")
    if when == "⚡":
        await person.taps("⚡")
    else:
        await person.says(when)


async def announcements(core) -> list[Announcement]:
    return await rows(core, Announcement)


async def test_two_dusun_preview_counts_the_registered_residents(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Posyandu balita hari Sabtu di balai dusun.", who="📍")
    preview = sekdes.last
    assert "Posyandu balita hari Sabtu" in preview.text
    assert "Desa Sukamaju" in preview.text  # the heading residents see
    assert "Dusun Krajan, Sidorejo" in preview.text
    assert "Akan dikirim ke 3 warga (1 Telegram, 2 WhatsApp)" in preview.text, preview.text
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    assert made.code.startswith("PGM-") and made.code in sekdes.text
    assert made.status == "scheduled" and made.audience == {"dusun": ["Krajan", "Sidorejo"]}
    assert made.village_ids == [core.services.village_ids[SUKAMAJU]]
    assert made.author_name == "Pak Sekdes" and made.topic == "umum"
    [entry] = [a for a in await rows(core, AuditEntry) if a.record_type == "announcement"]
    assert entry.actor_name == "Pak Sekdes" and entry.record_id == made.id


async def test_counts_use_thousands_separators_and_name_the_unreachable(core, officials):
    await village_of_residents(core)
    async with core.sessions() as session, session.begin():
        from storage.models import ChannelIdentity

        wa = await session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "wa-2")
        )
        wa.unreachable_at = datetime.now(UTC)
    sekdes = official(core, officials)
    await compose(sekdes, "Kerja bakti Minggu pagi.")
    assert "Akan dikirim ke 3 warga (2 Telegram, 1 WhatsApp); 1 tidak bisa dihubungi" in (
        sekdes.last.text
    )


async def test_bad_answers_are_asked_again_and_nothing_is_lost(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.says("Pembagian bansos besok.")
    await sekdes.says("semua")  # typed where a button is wanted
    assert "Siapa" in sekdes.text and "🏘️" in " ".join(sekdes.buttons())
    await sekdes.taps("🔢")  # RT in a dusun
    await sekdes.taps("Krajan")
    await sekdes.says("tiga")
    assert "1, 3, 5" in sekdes.text
    await sekdes.says("3, 5")
    await sekdes.taps("⚠️")
    await sekdes.says("kemarin sore")
    assert "tanggal" in sekdes.text.lower()
    await sekdes.says("1/1/2020 08.00")
    assert "sudah lewat" in sekdes.text
    await sekdes.says("besok 07.00")
    summary = sekdes.last.text
    assert "Pembagian bansos besok." in summary
    assert "RT 3, 5 di Dusun Krajan" in summary
    assert "23 November 2026 07.00 WIB" in summary
    assert "Akan dikirim ke 2 warga" in summary  # both Krajan residents are in RT 003


async def test_compose_survives_a_restart(db_url, clock, officials, core):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.says("Jalan ditutup untuk perbaikan.")
    again = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    try:
        later = Person(again, "9001", "Pak Sekdes", chat=ADMIN)
        await later.presses("ann_target:all")  # the button shown before the restart
        assert "Pengumuman jenis apa?" in later.text
    finally:
        await again.close()


async def test_schedule_then_cancel_before_it_starts(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Vaksinasi Senin pagi.", when="12/12 08.00")
    await sekdes.taps("Kirim")
    assert "12 Desember 2026 08.00 WIB" in sekdes.text
    [made] = await announcements(core)
    assert made.status == "scheduled" and made.send_at == datetime(2026, 12, 12, 1, 0, tzinfo=UTC)
    await sekdes.says("/pengumuman")
    assert made.code in sekdes.text and "Terjadwal" in sekdes.text
    assert "terkirim 0" in sekdes.text
    await sekdes.taps("❌ Batalkan")
    assert "tidak akan dikirim" in sekdes.text
    assert (await announcements(core))[0].status == "scheduled"  # asked first
    await sekdes.taps("Ya, batalkan")
    [made] = await announcements(core)
    assert made.status == "cancelled" and made.version == 2
    assert "Dibatalkan" in sekdes.text
    actions = [a.action for a in await rows(core, AuditEntry) if a.record_type == "announcement"]
    assert actions == ["announce", "cancel"]


async def four_eyes_core(db_url, clock, officials):
    villages = load_villages(TWO_VILLAGES)
    changed = [
        dataclasses.replace(v, broadcast_approval=True) if v.code == SUKAMAJU else v
        for v in villages
    ]
    return await build_core(
        settings_for(db_url),
        officials,
        admin_channel="telegram",
        clock=clock,
        villages=Villages(changed, villages.regions),
    )


async def test_four_eyes_the_author_cannot_approve_another_official_can(db_url, clock, officials):
    core = await four_eyes_core(db_url, clock, officials)
    try:
        await village_of_residents(core)
        sekdes = official(core, officials)
        await compose(sekdes, "Rapat warga Kamis malam.")
        await sekdes.taps("Kirim")
        [made] = await announcements(core)
        assert made.status == "awaiting_approval"
        assert "✅ Setujui" in sekdes.buttons()
        approve = next(
            b.value
            for r in sekdes.replies
            for row in r.buttons
            for b in row
            if "Setujui" in b.label
        )
        await sekdes.presses(approve)
        assert "petugas lain yang harus menyetujuinya" in sekdes.text
        [made] = await announcements(core)
        assert made.status == "awaiting_approval"
        kades = official(core, officials, "9002", "Bu Kades")
        await kades.presses(approve)
        [made] = await announcements(core)
        assert made.status == "scheduled" and made.approver_name == "Bu Kades"
        assert "Disetujui" in kades.text
    finally:
        await core.close()


async def test_four_eyes_refusal_needs_a_reason(db_url, clock, officials):
    core = await four_eyes_core(db_url, clock, officials)
    try:
        await village_of_residents(core)
        sekdes = official(core, officials)
        await compose(sekdes, "Rapat warga Kamis malam.")
        await sekdes.taps("Kirim")
        kades = official(core, officials, "9002", "Bu Kades")
        kades.replies = sekdes.replies
        await kades.taps("⛔")
        await kades.says("Tanggalnya salah, rapat hari Jumat.")
        [made] = await announcements(core)
        assert made.status == "cancelled"
        assert "Tanggalnya salah" in kades.text
    finally:
        await core.close()


async def test_two_officials_racing_on_approve_one_wins(db_url, clock, officials):
    core = await four_eyes_core(db_url, clock, officials)
    try:
        await village_of_residents(core)
        sekdes = official(core, officials)
        await compose(sekdes, "Rapat warga Kamis malam.")
        await sekdes.taps("Kirim")
        approve = next(
            b.value
            for r in sekdes.replies
            for row in r.buttons
            for b in row
            if "Setujui" in b.label
        )
        kades = official(core, officials, "9002", "Bu Kades")
        kaur = official(core, officials, "9003", "Pak Kaur")
        await asyncio.gather(kades.presses(approve), kaur.presses(approve))
        [made] = await announcements(core)
        assert made.status == "scheduled" and made.version == 2
        assert made.approver_name in ("Bu Kades", "Pak Kaur")
        outcomes = sorted(a.outcome for a in await rows(core, AuditEntry) if a.action == "approve")
        assert outcomes == ["done", "stale"]
    finally:
        await core.close()


async def region_core(db_url, clock, officials):
    villages = load_villages(TWO_VILLAGES)
    region = Region("Kecamatan Contoh", REGION_CHAT, (SUKAMAJU, SUKAMAKMUR))
    return await build_core(
        settings_for(db_url),
        officials,
        admin_channel="telegram",
        clock=clock,
        villages=Villages(villages.all(), (region,)),
    )


async def test_region_chat_targets_two_villages_a_village_chat_only_its_own(
    db_url, clock, officials
):
    core = await region_core(db_url, clock, officials)
    try:
        await village_of_residents(core)
        officials.members.add((REGION_CHAT, "7001"))
        camat = Person(core, "7001", "Pak Camat", chat=REGION_CHAT)
        await camat.says("/umumkan")
        assert "Sukamaju" in " ".join(camat.buttons()) and "Sukamakmur" in " ".join(camat.buttons())
        await camat.taps("➡️")
        await camat.says("Waspada banjir malam ini.")
        assert "📍" not in " ".join(camat.buttons())  # dusun are one village's own
        await camat.taps("🏘️")
        await camat.taps("🚨")
        await camat.taps("⚡")
        assert "Sukamaju, Sukamakmur" in camat.last.text
        await camat.taps("Kirim")
        [made] = await announcements(core)
        ids = core.services.village_ids
        assert made.village_ids == [ids[SUKAMAJU], ids[SUKAMAKMUR]]
        assert made.kind == "emergency" and made.admin_chat_id == REGION_CHAT
        # A village's officials never get a village choice: their own village only.
        other = official(core, officials, "9005", "Pak Lurah")
        other.chat = OTHER_ADMIN
        officials.members.add((OTHER_ADMIN, "9005"))
        await other.says("/umumkan")
        assert "Sukamaju" not in " ".join(other.buttons())
        await other.presses(f"ann_villages:{SUKAMAJU}")  # forged
        await other.says("Pemadaman listrik.")
        await other.taps("🏘️")
        await other.taps("📢")
        await other.says("besok 07.00")  # later: Sukamakmur has no resident yet
        await other.taps("Kirim")
        made = (await announcements(core))[-1]
        assert made.village_ids == [ids[SUKAMAKMUR]]
        # The region chat takes announcements only.
        await camat.says("/antrian")
        assert "/umumkan" in camat.text and "Kecamatan Contoh" in camat.text
    finally:
        await core.close()


async def test_region_chat_refuses_non_members(db_url, clock, officials):
    core = await region_core(db_url, clock, officials)
    try:
        stranger = Person(core, "6666", "Orang Lain", chat=REGION_CHAT)
        await stranger.says("/umumkan")
        assert "hanya untuk petugas Kecamatan Contoh" in stranger.text
        assert not await announcements(core)
    finally:
        await core.close()


async def started(core, made: Announcement, status: str = "sending") -> None:
    """What the sender's dispatcher does when one is due (not this helper's to build)."""
    async with core.sessions() as session, session.begin():
        row = await session.get(Announcement, made.id)
        row.status, row.version, row.started_at = status, row.version + 1, datetime.now(UTC)


async def test_pause_resume_and_stop_one_being_sent(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Air PDAM mati hari ini.")
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    await started(core, made)
    await sekdes.says("/pengumuman")
    assert "Sedang dikirim" in sekdes.text
    assert not any("Batalkan" in b for b in sekdes.buttons())
    await sekdes.taps("⏸️")
    assert (await announcements(core))[0].status == "paused"
    await sekdes.taps("▶️")
    assert (await announcements(core))[0].status == "sending"
    stale = sekdes.buttons()
    await sekdes.taps("⏹️")
    await sekdes.taps("↩️ Tidak")  # changed their mind: still being sent, listed again
    assert (await announcements(core))[0].status == "sending"
    assert any(b.startswith("⏹️") for b in sekdes.buttons())
    await sekdes.taps("⏹️")
    await sekdes.taps("Ya, hentikan")
    [made] = await announcements(core)
    assert made.status == "stopped" and made.finished_at is not None
    assert "⏸️ Jeda" in " ".join(stale)
    await sekdes.presses(f"umk:pause:{made.id}:{made.version - 1}")  # an old button
    assert "sudah berubah" in sekdes.text
    assert (await announcements(core))[0].status == "stopped"


async def test_a_stop_from_the_listing_takes_back_what_the_outbox_had_not_sent(core, officials):
    from bot.broadcast import Dispatcher
    from storage.models import AnnouncementDelivery, OutboxMessage

    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Air PDAM mati hari ini.")
    await sekdes.taps("Kirim")
    await Dispatcher(core.services, core.sessions).run_once()  # queued, nothing sent yet
    [made] = await announcements(core)
    assert made.status == "sending"
    await sekdes.says("/pengumuman")
    await sekdes.taps("⏹️")
    assert "belum menerima pengumuman ini tidak akan mendapatkannya" in sekdes.text
    await sekdes.taps("Ya, hentikan")
    assert "Dihentikan" in sekdes.text
    topic = f"ann:{made.id}"
    assert await rows(core, OutboxMessage, OutboxMessage.topic == topic) == []
    delivered = await rows(
        core, AnnouncementDelivery, AnnouncementDelivery.announcement_id == made.id
    )
    assert {d.status for d in delivered} == {"skipped"} and len(delivered) == 4


async def test_a_finished_one_still_waiting_for_residents_can_be_stopped(core, officials):
    from storage.models import AnnouncementDelivery, Citizen

    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Air PDAM mati hari ini.")
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    await started(core, made, "done")
    async with core.sessions() as session, session.begin():
        for index, citizen in enumerate((await session.scalars(select(Citizen))).all()):
            held = index == 0
            session.add(
                AnnouncementDelivery(
                    announcement_id=made.id,
                    citizen_id=citizen.id,
                    village_id=citizen.village_id,
                    channel="whatsapp" if held else "telegram",
                    chat_id=str(citizen.id),
                    status="held" if held else "sent",
                )
            )
    await sekdes.says("/pengumuman")
    assert "Selesai" in sekdes.text and "menunggu 1" in sekdes.text
    await sekdes.taps("⏹️")
    await sekdes.taps("Ya, hentikan")
    assert (await announcements(core))[0].status == "stopped"
    await started(core, made, "done")
    async with core.sessions() as session, session.begin():
        await session.execute(update(AnnouncementDelivery).values(status="sent"))
    await sekdes.says("/pengumuman")
    assert not any(b.startswith("⏹️") for b in sekdes.buttons())  # nothing left to stop


async def test_an_announcement_awaiting_approval_is_decided_from_the_listing(
    db_url, clock, officials
):
    core = await four_eyes_core(db_url, clock, officials)
    try:
        await village_of_residents(core)
        sekdes = official(core, officials)
        await compose(sekdes, "Rapat warga Kamis malam.")
        await sekdes.taps("Kirim")
        [made] = await announcements(core)
        await sekdes.says("/pengumuman")
        assert "Menunggu persetujuan" in sekdes.text
        assert {
            f"✅ Setujui {made.code}",
            f"⛔ Tolak {made.code}",
            f"❌ Batalkan {made.code}",
        } <= set(sekdes.buttons())
        await sekdes.taps("✅")
        assert "petugas lain yang harus menyetujuinya" in sekdes.text
        kades = official(core, officials, "9002", "Bu Kades")
        await kades.says("/pengumuman")
        await kades.taps("✅")
        [made] = await announcements(core)
        assert made.status == "scheduled" and made.approver_name == "Bu Kades"
    finally:
        await core.close()


async def test_a_biasa_sent_at_night_says_it_waits_for_morning(core, clock, officials):
    await village_of_residents(core)
    clock.now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 22.30 WIB
    sekdes = official(core, officials)
    await compose(sekdes, "Kerja bakti hari Minggu.")  # Biasa
    await sekdes.taps("Kirim")
    assert "menunggu jam istirahat malam desa berakhir" in sekdes.text
    assert "23 November 2026 06.00 WIB" in sekdes.text
    await sekdes.says("/pengumuman")
    assert "setelah jam istirahat malam: 23 November 2026 06.00 WIB" in sekdes.text
    # Scheduled for a time inside tomorrow's quiet hours: told it goes the morning after.
    await compose(sekdes, "Kerja bakti hari Senin.", when="besok 22.00")
    await sekdes.taps("Kirim")
    assert "dikirim 24 November 2026 06.00 WIB" in sekdes.text


async def test_sending_now_to_nobody_asks_for_other_recipients(core, officials):
    sekdes = official(core, officials)  # no resident has registered yet
    await compose(sekdes, "Kerja bakti hari Minggu.")
    assert "Belum ada warga di antara penerima ini yang bisa menerimanya" in sekdes.text
    await sekdes.taps("Kirim")
    assert "Tidak ada yang akan menerimanya" in sekdes.text
    assert await announcements(core) == []
    assert "Seluruh desa" in " ".join(sekdes.buttons())  # asked who again


async def test_a_village_with_its_own_topics_still_reaches_everyone(db_url, clock, officials):
    from flows.common.villages import Topic

    villages = load_villages(TWO_VILLAGES)
    own = (Topic("info", "Info Desa"), Topic("sehat", "Kesehatan"))
    changed = [dataclasses.replace(v, topics=own) if v.code == SUKAMAJU else v for v in villages]
    core = await build_core(
        settings_for(db_url),
        officials,
        admin_channel="telegram",
        clock=clock,
        villages=Villages(changed, villages.regions),
    )
    try:
        await village_of_residents(core)
        sekdes = official(core, officials)
        await compose(sekdes, "Kerja bakti hari Minggu.")
        assert "Akan dikirim ke 4 warga" in sekdes.text, sekdes.text
    finally:
        await core.close()


async def test_a_topic_chosen_for_darurat_is_said_to_reach_everyone(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.says("Banjir: warga bantaran sungai mengungsi.")
    await sekdes.taps("🏷️")
    await sekdes.taps("Pertanian")
    await sekdes.taps("🚨")
    await sekdes.taps("⚡")
    assert "Darurat sampai ke semua warga" in sekdes.text
    assert "Akan dikirim ke 4 warga" in sekdes.text
    assert "Pelanggan" not in sekdes.text


async def test_a_cancel_pressed_on_an_old_listing_is_not_asked_about(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Rapat warga.", when="besok 07.00")
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    await started(core, made)  # the dispatcher started it meanwhile
    await sekdes.presses(f"umk:cancel:{made.id}:{made.version}")  # the listing seen before
    assert "sudah berubah" in sekdes.text and "tidak akan dikirim" not in sekdes.text
    assert (await announcements(core))[0].status == "sending"


async def test_a_non_member_press_is_refused(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Air PDAM mati hari ini.", when="besok 07.00")
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    await stranger.presses(f"umk:cancel:{made.id}:{made.version}")
    assert "hanya untuk petugas" in stranger.text
    assert (await announcements(core))[0].status == "scheduled"


@pytest.mark.parametrize(
    "hostile",
    ["<b>Rapat</b> <script>alert(1)</script> & {village}", "‮rapat malam‬ \x00 {0}"],
)
async def test_hostile_text_is_kept_as_text(core, officials, hostile):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, hostile)
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    assert "\x00" not in made.text and "‮" not in made.text
    if "<b>" in hostile:
        assert made.text == hostile


async def test_help_has_the_announcement_button(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/bantuan")
    await sekdes.taps("📢")
    assert "Ketik pengumuman" in sekdes.text


async def test_a_photo_with_its_caption_is_previewed_with_the_photo(core, officials):
    from flows.engine.types import Kind, MediaKind

    await village_of_residents(core)
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.sends(Kind.PHOTO, media_id="m:42")  # no caption: asked again
    assert "keterangan" in sekdes.text
    await sekdes.sends(Kind.PHOTO, media_id="m:42", text="Jadwal posyandu bulan Desember")
    await sekdes.taps("🏘️")
    await sekdes.taps("⚠️")
    await sekdes.taps("⚡")
    preview, summary = sekdes.replies
    assert [(m.kind, m.ref) for m in preview.media] == [(MediaKind.PHOTO, "m:42")]
    assert preview.text.startswith("⚠️ Penting · Desa Sukamaju")
    assert not summary.media and "Jadwal posyandu" in summary.text
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    assert (made.media_ref, made.media_kind, made.kind) == ("m:42", "photo", "important")


async def test_changing_recipients_from_the_summary_asks_for_the_dusun(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Gotong royong Minggu pagi.")
    assert "Akan dikirim ke 4 warga" in sekdes.last.text
    await sekdes.taps("✏️ Penerima")
    await sekdes.taps("📍")
    assert "Dusun mana saja?" in sekdes.text  # not straight back to the summary
    await sekdes.taps("Sumberagung")
    await sekdes.taps("➡️")
    await sekdes.taps("📢")
    await sekdes.says("sekarang")
    assert "Dusun Sumberagung" in sekdes.last.text
    assert "Akan dikirim ke 1 warga (1 Telegram)" in sekdes.last.text
    await sekdes.taps("Kirim")
    [made] = await announcements(core)
    assert made.audience == {"dusun": ["Sumberagung"]}


async def test_rt_buttons_offer_the_rts_residents_live_in(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.says("Fogging nyamuk Sabtu sore.")
    await sekdes.taps("🔢")
    await sekdes.taps("Krajan")
    assert [b for b in sekdes.buttons() if b.endswith("RT 3")] == ["▫️ RT 3"]
    await sekdes.taps("➡️")  # nothing ticked yet
    assert "paling sedikit satu RT" in sekdes.text
    await sekdes.taps("RT 3")
    assert "✅ RT 3" in sekdes.buttons()
    await sekdes.taps("➡️")
    await sekdes.taps("📢")
    await sekdes.taps("⚡")
    assert "RT 3 di Dusun Krajan" in sekdes.last.text
    assert "Akan dikirim ke 2 warga (1 Telegram, 1 WhatsApp)" in sekdes.last.text


async def test_umumkan_again_mid_way_offers_to_continue(core, officials):
    sekdes = official(core, officials)
    await sekdes.says("/umumkan")
    await sekdes.says("Listrik padam besok siang.")
    await sekdes.says("/umumkan")
    await sekdes.taps("▶️")
    await sekdes.taps("🏘️")
    await sekdes.taps("📢")
    await sekdes.taps("⚡")
    assert "Listrik padam besok siang." in sekdes.last.text


async def test_composed_in_the_chat_reaches_only_the_two_dusun(core, officials):
    """The whole way: composed here, started and delivered by the sender's dispatcher."""
    from collections import Counter

    from bot.broadcast import Dispatcher
    from tests.bot.test_broadcast import RecordingSender, deliver_all, worker_for

    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Posyandu balita hari Sabtu di balai dusun.", who="📍")
    await sekdes.taps("Kirim")
    telegram, whatsapp = RecordingSender(), RecordingSender()
    await deliver_all(
        Dispatcher(core.services, core.sessions),
        worker_for(core, {"telegram": telegram, "whatsapp": whatsapp}),
    )
    reached = telegram.residents() + whatsapp.residents()
    assert reached == Counter({"1001": 1, "wa-1": 1, "wa-2": 1})  # not Sumberagung's 1004
    assert all("Posyandu balita" in text for chat, text in whatsapp.sent)
    await sekdes.says("/pengumuman")
    assert "Selesai" in sekdes.text and "terkirim 3" in sekdes.text


async def test_the_preview_carries_the_residents_buttons_which_change_nothing(core, officials):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Posyandu balita hari Sabtu di balai dusun.", who="📍")
    await sekdes.taps("✏️ Jenis")
    await sekdes.taps("⚠️")
    preview, summary = sekdes.replies
    resident = [[b.label for b in row] for row in preview.buttons]
    assert resident == [["✅ Sudah saya baca"], ["🔕 Berhenti topik ini"]]
    assert not any("[" in line for line in preview.text.splitlines())  # no text buttons
    assert "Kirim" in " ".join(b.label for row in summary.buttons for b in row)
    shown = sekdes.replies
    for label in ("✅ Sudah saya baca", "🔕 Berhenti topik ini"):
        await sekdes.taps(label)
        [note] = sekdes.replies
        assert note.alert and note.text == "Ini hanya pratinjau; tombol ini untuk warga."
        sekdes.replies = shown
    assert not await announcements(core)
    await sekdes.taps("Kirim")  # the summary still waits where it was
    [made] = await announcements(core)
    assert made.kind == "important" and made.audience == {"dusun": ["Krajan", "Sidorejo"]}
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    stranger.replies = shown
    await stranger.taps("✅ Sudah saya baca")
    assert "hanya untuk petugas" in stranger.text  # the admin chat's gate holds here too
