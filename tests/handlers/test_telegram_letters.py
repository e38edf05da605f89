"""Layanan Surat on Telegram: a villager's phone and the officials' group, through real PTB."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.media import media_id_of
from storage.models import Case
from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser
from tests.handlers.test_telegram_complaints import ADMIN, card_for, registered
from tests.helpers import outbox_settled, stored_bytes


async def stored_letters(db_url: str) -> list[Case]:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(Case).where(Case.kind == "letter")))
    await engine.dispose()
    return found


def official(api: FakeBotApi, user_id: int = 9001, name: str = "Pak Sekdes") -> TelegramUser:
    api.members[(str(ADMIN), str(user_id))] = "member"
    return TelegramUser(api, user_id, name, chat_id=ADMIN)


async def domisili_over_telegram(
    api: FakeBotApi, db_url: str, siti: TelegramUser, ktp: str = "KTP-5"
) -> Case:
    """A Domisili request sent from Telegram, once its card is in the admin chat."""
    await siti.says("surat domisili")
    await siti.sends_photo(ktp)
    await siti.sends_photo("KK-5")
    await siti.taps("Melamar pekerjaan")
    await siti.taps("Ambil di kantor")
    case = max(await stored_letters(db_url), key=lambda c: c.id)
    await card_for(api, case.code)
    return case


async def test_domisili_in_five_messages_then_the_signed_pdf_arrives(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    start = len(bot_api.calls)
    # Everything the villager does, from asking to sending: five interactions.
    await siti.says("mau bikin surat domisili")
    await siti.sends_photo("KTP-1")
    await siti.sends_document("KK-1", "kk.pdf")
    await siti.taps("Melamar pekerjaan")
    await siti.taps("File lewat chat")
    [case] = await stored_letters(db_url)
    assert case.code in siti.last_text() and "Perkiraan selesai" in siti.last_text()
    asked = " ".join(c.text for c in bot_api.calls[start:] if c.chat_id == "1001")
    for profile_question in ("Siapa nama lengkap", "Berapa NIK", "Berapa RT dan RW", "dusun mana"):
        assert profile_question not in asked

    card = await card_for(bot_api, case.code)
    before_card = [
        c.method for c in bot_api.calls[: bot_api.calls.index(card)] if c.chat_id == str(ADMIN)
    ]
    assert "sendPhoto" in before_card and "sendDocument" in before_card
    assert "1804**********02" in card.text and "1804074107900002" not in card.text

    sekdes = official(bot_api)
    approved = await sekdes.taps("Setujui")
    [edited] = [c for c in approved if c.method == "editMessageText"]
    assert "Menunggu tanda tangan" in edited.text
    assert "belum diverifikasi" in approved[-1].text  # said after approving, not hidden
    prompt = (await sekdes.taps("Kirim surat"))[-1]
    assert prompt.params["reply_markup"]["force_reply"] is True and "PDF" in prompt.text
    await sekdes.replies_with_document(prompt.message_id or 0, "SIGNED-1", "surat-domisili.pdf")
    delivered = await bot_api.wait_for(
        lambda c: c.method == "sendDocument" and c.chat_id == "1001", within=15
    )
    assert delivered.params["document"] == "SIGNED-1"
    await bot_api.wait_for(lambda c: c.chat_id == "1001" and "ditandatangani" in c.text)
    [case] = await stored_letters(db_url)
    assert case.status == "done"
    closed = await bot_api.wait_for(
        lambda c: c.chat_id == str(ADMIN) and case.code in c.text and "Selesai" in c.text
    )
    assert not closed.buttons()


async def test_sku_fields_over_telegram_with_bad_values_reasked(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("/surat")
    await siti.taps("Usaha (SKU)")
    await siti.says("Toko Kelontong Berkah")
    await siti.taps("Dagang / warung")
    await siti.says("Dusun Krajan RT 03")
    replies = await siti.says("sudah lama")
    assert "empat angka" in replies[0].text and "sejak tahun" in replies[-1].text.lower()
    await siti.says("2018")
    replies = await siti.sends_sticker()
    assert "menunggu foto KTP" in replies[0].text and "Kirim foto KTP" in replies[-1].text
    await siti.sends_photo("KTP-2")
    await siti.sends_photo("WARUNG-2")
    await siti.taps("Bantuan UMKM")
    await siti.taps("Ambil di kantor")
    [case] = await stored_letters(db_url)
    assert case.data["values"]["sejak_tahun"] == "2018"
    # Kept in Balai's media store: the case refers to the stored file, not Telegram's id.
    kind, ref = case.data["documents"]["foto_usaha"]
    assert kind == "photo" and media_id_of(ref) is not None
    card = await card_for(bot_api, case.code)
    assert "Toko Kelontong Berkah" in card.text and "Bantuan UMKM" in card.text
    albums = bot_api.sent_to(ADMIN, "sendMediaGroup")
    assert albums and len(albums[-1].params["media"]) == 2

    await siti.says("surat kelahiran")
    await siti.says("Putri Lestari")
    await siti.taps("Perempuan")
    await siti.says("Puskesmas Way Jepara")
    replies = await siti.says("1-1-2027")
    assert "masa depan" in replies[0].text and "Kapan bayi lahir?" in replies[-1].text


async def test_fix_for_one_document_only_asks_that_one(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await domisili_over_telegram(bot_api, db_url, siti, ktp="KTP-BLUR")

    sekdes = official(bot_api)
    await sekdes.taps("Minta perbaikan")
    await sekdes.taps("📷 KTP")
    prompt = (await sekdes.taps("Lanjut"))[-1]
    assert prompt.params["reply_markup"]["force_reply"] is True
    await sekdes.replies_to(prompt.message_id or 0, "Foto KTP buram, mohon foto ulang")
    asked = await bot_api.wait_for(lambda c: c.chat_id == "1001" and "Catatan petugas" in c.text)
    assert "foto KTP" in asked.text and "buram" in asked.text

    start = len(bot_api.calls)
    await siti.taps("Perbaiki sekarang")
    await siti.sends_photo("KTP-SHARP")
    await siti.taps("Kirim perbaikan")
    to_siti = " ".join(c.text for c in bot_api.calls[start:] if c.chat_id == "1001")
    assert "Kartu Keluarga" not in to_siti and "untuk apa" not in to_siti.lower()
    [case] = await stored_letters(db_url)
    assert case.status == "review" and case.data["documents"]["ktp"][0] == "photo"
    assert (
        await stored_bytes(db_url, case.data["documents"]["ktp"][1]) == b"telegram file KTP-SHARP"
    )
    await bot_api.wait_for(
        lambda c: c.chat_id == str(ADMIN) and "mengirim perbaikan" in c.text and case.code in c.text
    )


async def test_two_officials_racing_on_a_letter_make_one_decision(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    card = await card_for(bot_api, case.code)
    approve = next(b["callback_data"] for b in card.buttons() if "Setujui" in b["text"])
    sekdes, kaur = official(bot_api), official(bot_api, 9002, "Bu Kaur")
    await asyncio.gather(
        sekdes.presses(approve, card.message_id or 0, card.text),
        kaur.presses(approve, card.message_id or 0, card.text),
    )
    [case] = await stored_letters(db_url)
    assert case.status == "signing" and case.version == 2
    refused = [c for c in bot_api.sent_to(ADMIN) if "Sudah ditangani" in c.text]
    assert len(refused) == 1 and case.assignee in refused[0].text
    told = await bot_api.wait_for(
        lambda c: c.chat_id == "1001" and "Menunggu tanda tangan" in c.text
    )
    await outbox_settled(db_url)  # a second notice, if one was queued, has been sent too
    assert [c for c in bot_api.sent_to(1001) if "Menunggu tanda tangan" in c.text] == [told]


async def test_rejection_over_telegram_needs_a_reason(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    sekdes = official(bot_api)
    prompt = (await sekdes.taps("Tolak"))[-1]
    assert prompt.params["reply_markup"]["force_reply"] is True
    refused = await sekdes.replies_to(prompt.message_id or 0, "-")
    assert "Alasan wajib" in refused[0].text
    [case] = await stored_letters(db_url)
    assert case.status == "review"
    prompt = refused[-1]  # asked again
    assert prompt.params["reply_markup"]["force_reply"] is True
    await sekdes.replies_to(prompt.message_id or 0, "Data KK tidak sesuai dengan KTP")
    told = await bot_api.wait_for(lambda c: c.chat_id == "1001" and "Ditolak" in c.text)
    assert "Data KK tidak sesuai" in told.text and case.code in told.text
    [case] = await stored_letters(db_url)
    assert case.status == "rejected"


async def test_cancelling_over_telegram_and_a_stale_card_afterwards(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    card = await card_for(bot_api, case.code)
    await siti.says("/suratsaya")
    await siti.taps(case.code)
    await siti.taps("Batalkan")
    await siti.taps("Ya, batalkan")
    assert "dibatalkan" in siti.last_text()
    [case] = await stored_letters(db_url)
    assert case.status == "cancelled"
    await bot_api.wait_for(
        lambda c: c.chat_id == str(ADMIN) and "dibatalkan oleh pemohon" in c.text
    )

    sekdes = official(bot_api)
    approve = next(b["callback_data"] for b in card.buttons() if "Setujui" in b["text"])
    [refused] = await sekdes.presses(approve, card.message_id or 0, card.text)
    assert refused.method == "sendMessage"
    assert refused.text.startswith("Pemohon baru saja mengubah permohonan ini.")
    assert "Dibatalkan" in refused.text and not refused.buttons()
    [case] = await stored_letters(db_url)
    assert case.status == "cancelled"


async def test_replying_to_the_card_with_the_signed_pdf_sends_it(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    card = await card_for(bot_api, case.code)
    sekdes = official(bot_api)
    early = await sekdes.replies_with_document(card.message_id or 0, "EARLY", "surat.pdf")
    assert "Setujui dulu" in early[0].text
    await sekdes.taps("Setujui")
    stranger = TelegramUser(bot_api, 9999, "Tamu", chat_id=ADMIN)
    refused = await stranger.replies_with_document(card.message_id or 0, "FAKE", "palsu.pdf")
    assert refused and "petugas" in refused[0].text.lower()
    await sekdes.replies_with_document(card.message_id or 0, "SIGNED-9", "surat-domisili.pdf")
    delivered = await bot_api.wait_for(
        lambda c: c.method == "sendDocument" and c.chat_id == "1001", within=15
    )
    assert delivered.params["document"] == "SIGNED-9"
    assert not [c for c in bot_api.calls if c.params.get("document") in ("FAKE", "EARLY")]
    [case] = await stored_letters(db_url)
    assert case.status == "done"
    # Officials chatting in replies to the card are left alone.
    quiet = await sekdes.replies_to(card.message_id or 0, "sudah beres ya")
    assert [c for c in quiet if c.method == "sendMessage"] == []


async def test_second_press_shows_the_request_right_under_it(bot_api, db_url, balai):
    """Regression: the refusal's card edited the pressed message far up the chat (which
    already showed it), so nothing appeared under "Berikut keadaan ... sekarang:"."""
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    card = await card_for(bot_api, case.code)
    approve = next(b["callback_data"] for b in card.buttons() if "Setujui" in b["text"])
    sekdes = official(bot_api)
    await sekdes.presses(approve, card.message_id or 0, card.text)
    await bot_api.wait_for(  # the card up the chat is current (what made the edit invisible)
        lambda c: c.method == "editMessageText" and c.message_id == card.message_id
    )
    [refused] = await sekdes.presses(approve, card.message_id or 0, card.text)
    assert refused.method == "sendMessage"  # a new message, not an edit of the old card
    note, _sep, shown = refused.text.partition("\n\n")
    assert note == "Sudah ditangani oleh Pak Sekdes. Berikut keadaan permohonannya sekarang:"
    assert shown.startswith(f"📄 {case.code} · Surat Keterangan Domisili")
    assert "Menunggu tanda tangan" in shown
    labels = {b["text"] for b in refused.buttons()}
    assert {"🏢 Siap diambil", "📄 Kirim surat"} <= labels

    # /antrian's codes open their cards (callback data Telegram accepts).
    queue = (await sekdes.says("/antrian"))[-1]
    [opens] = [b for b in queue.buttons() if b["text"] == f"🔎 {case.code}"]
    opened = await sekdes.presses(opens["callback_data"], queue.message_id or 0, queue.text)
    assert [c.method for c in opened] == ["sendMessage", "sendMessage"]
    assert opened[0].text.startswith(f"📄 {case.code}") and opened[0].buttons()
    assert opened[1].text.startswith(f"Riwayat {case.code}")


async def test_old_prompt_buttons_over_telegram_show_their_case_now(bot_api, db_url, balai):
    """Regression: an old ❌ Batal or tick was answered with the group's general help."""
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    sekdes = official(bot_api)
    flags = (await sekdes.taps("Minta perbaikan"))[-1]
    assert flags.text.startswith(f"📄 {case.code} · Surat Keterangan Domisili")
    tick = next(b["callback_data"] for b in flags.buttons() if "KTP" in b["text"])
    cancel = next(b["callback_data"] for b in flags.buttons() if "Batal" in b["text"])
    await sekdes.taps("📷 KTP")
    prompt = (await sekdes.taps("Lanjut"))[-1]
    assert prompt.text.startswith(f"📄 {case.code} · Surat Keterangan Domisili")
    await sekdes.replies_to(prompt.message_id or 0, "Foto KTP buram, mohon foto ulang")
    for old in (cancel, tick):
        [answer] = await sekdes.presses(old, flags.message_id or 0, flags.text)
        assert answer.method == "sendMessage"
        assert answer.text.startswith("Tombol itu sudah tidak aktif.\n\n📄 " + case.code)
    [case] = await stored_letters(db_url)
    assert case.status == "incomplete" and case.data["fix"]["flags"] == ["doc:ktp"]
