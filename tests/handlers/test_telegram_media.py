"""Balai's media store on Telegram: files kept on arrival, sent from the store, erased."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from flows.engine.types import Media, MediaKind, Reply
from handlers.telegram.bot import build_application
from handlers.telegram.media import TelegramFiles
from handlers.telegram.sender import TelegramSender
from storage import people
from storage.clock import utcnow
from storage.db import create_engine, session_factory
from storage.media import MediaStore, ref_of
from tests.handlers.fake_bot_api import FakeBotApi
from tests.handlers.test_telegram_complaints import ADMIN, card_for, registered, stored_cases
from tests.handlers.test_telegram_letters import domisili_over_telegram, official
from tests.helpers import media_folder, save_media, stored_bytes, stored_media

MB = 1024 * 1024


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def test_a_complaint_photo_is_stored_once_and_shown_on_the_card(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    # The same picture sent twice (Telegram gives each message its own file_id).
    bot_api.files["PHOTO-A"] = bot_api.files["PHOTO-B"] = b"\xff\xd8 a broken road"
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jalan berlubang besar di depan SD")
    await siti.sends_photo("PHOTO-A")
    await siti.sends_photo("PHOTO-B")
    await siti.taps("Selesai kirim foto")
    await siti.says("depan SD Negeri 1")
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)

    [row] = await stored_media(db_url)
    assert row.size == len(b"\xff\xd8 a broken road") and row.mime_type == "image/jpeg"
    assert len(files_in(media_folder(db_url))) == 1
    assert case.data["photos"] == [ref_of(row.id), ref_of(row.id)]
    assert await stored_bytes(db_url, case.data["photos"][0]) == b"\xff\xd8 a broken road"

    card = await card_for(bot_api, case.code)
    before = bot_api.calls[: bot_api.calls.index(card)]
    [album] = [c for c in before if c.method == "sendMediaGroup" and c.chat_id == str(ADMIN)]
    # Telegram already holds the file: the card shows it by Siti's file_id, no upload.
    shown = {m["media"] for m in album.params["media"]}
    assert len(album.params["media"]) == 2 and shown <= {"PHOTO-A", "PHOTO-B"} and len(shown) == 1
    assert not bot_api.uploads


@pytest.fixture
async def sender(
    bot_api: FakeBotApi, db_url: str
) -> AsyncIterator[tuple[TelegramSender, MediaStore, int]]:
    """The outbox's Telegram sender with the media store, and an identity to own files."""
    application: Application = build_application(bot_api.url, bot_api.token)  # type: ignore[type-arg]
    await application.initialize()
    engine = create_engine(db_url)
    sessions = session_factory(engine)
    store = MediaStore(media_folder(db_url), 20 * MB)
    async with sessions() as session, session.begin():
        identity, _row = await people.identity_and_conversation(session, "whatsapp", "6281")
    files = TelegramFiles(application.bot, store, sessions, utcnow)
    yield TelegramSender(application.bot, files), store, identity.id
    await application.shutdown()
    await engine.dispose()


async def store_file(db_url: str, store: MediaStore, identity_id: int, data: bytes, **kw) -> str:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session, session.begin():
        media_id = await save_media(
            store, session, data, identity_id=identity_id, now=utcnow(), file_name=None, **kw
        )
    await engine.dispose()
    return ref_of(media_id)


async def test_a_file_from_elsewhere_is_uploaded_once_then_sent_by_file_id(bot_api, db_url, sender):
    telegram, store, owner = sender
    # As a WhatsApp resident's photo would be: in the store, never seen by Telegram.
    ref = await store_file(
        db_url, store, owner, b"photo bytes", kind="photo", mime_type="image/jpeg"
    )
    card = Reply("ADU-7K3Q", media=(Media(MediaKind.PHOTO, ref),))
    await telegram.send(str(ADMIN), card)
    await telegram.send(str(ADMIN), card)

    photos = bot_api.sent_to(ADMIN, "sendPhoto")
    assert len(photos) == 2
    [(method, _name, data, file_id)] = bot_api.uploads
    assert (method, data) == ("sendPhoto", b"photo bytes")
    assert photos[1].params["photo"] == file_id


async def test_a_legacy_bare_file_id_still_sends(bot_api, sender):
    telegram, _store, _owner = sender
    legacy = Reply("ADU-7K3Q", media=(Media(MediaKind.VOICE, "AwACAgUAAxkBAAIBlegacy"),))
    await telegram.send(str(ADMIN), legacy)
    [voice] = bot_api.sent_to(ADMIN, "sendVoice")
    assert voice.params["voice"] == "AwACAgUAAxkBAAIBlegacy" and not bot_api.uploads


async def test_a_signed_pdf_stored_elsewhere_reaches_the_resident(bot_api, db_url, sender):
    telegram, store, owner = sender
    ref = await store_file(
        db_url, store, owner, b"%PDF-1.4 signed", kind="document", mime_type="application/pdf"
    )
    await telegram.send("1001", Reply("Surat Anda", media=(Media(MediaKind.DOCUMENT, ref),)))
    [(method, name, data, _file_id)] = bot_api.uploads
    assert (method, data) == ("sendDocument", b"%PDF-1.4 signed") and name.endswith(".pdf")
    assert bot_api.sent_to("1001", "sendDocument")


async def test_a_signed_letter_sent_by_an_official_is_stored_and_reaches_the_resident(
    bot_api, db_url, balai
):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    card = await card_for(bot_api, case.code)
    bot_api.files["SIGNED-PDF"] = b"%PDF-1.7 ditandatangani"
    sekdes = official(bot_api)
    await sekdes.taps("Setujui")
    await sekdes.replies_with_document(card.message_id or 0, "SIGNED-PDF", "surat.pdf")
    delivered = await bot_api.wait_for(
        lambda c: c.method == "sendDocument" and c.chat_id == "1001", within=15
    )
    assert delivered.params["document"] == "SIGNED-PDF"
    [case] = await stored_cases(db_url)
    assert await stored_bytes(db_url, case.data["signed"]["ref"]) == b"%PDF-1.7 ditandatangani"


async def test_a_file_over_the_cap_is_refused_and_the_question_asked_again(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jembatan bambu di dusun 2 patah")
    replies = await siti.sends_photo("HUGE", size=25 * MB)
    said = replies[0].text
    assert "terlalu besar" in said and "20 MB" in said and "foto" in said
    assert replies[-1].buttons(), "the photo question, with its buttons, comes again"
    assert not [c for c in bot_api.calls if c.method == "getFile"]
    await siti.sends_photo("SMALL")
    await siti.taps("Selesai kirim foto")
    await siti.says("dusun 2")
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    # Nothing she gave before the refused photo was lost.
    assert "patah" in case.data["description"] and len(case.data["photos"]) == 1


async def test_a_failed_download_keeps_the_step(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Lampu jalan mati")
    bot_api.unavailable.add("GONE")
    replies = await siti.sends_photo("GONE")
    assert "tidak sampai" in replies[0].text and "kirim sekali lagi" in replies[0].text
    assert replies[-1].buttons()
    assert not await stored_media(db_url)
    await siti.sends_photo("FINE")
    await siti.taps("Selesai kirim foto")
    await siti.says("depan balai desa")
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    assert len(case.data["photos"]) == 1
    assert await stored_bytes(db_url, case.data["photos"][0]) == b"telegram file FINE"


async def test_hapusdata_removes_the_persons_files_but_not_an_open_cases(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    # A photo for a report she then cancels: hers alone, in no case.
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jalan licin")
    await siti.sends_photo("DROPPED")
    await siti.says("/batal")
    # A report officials still have to handle, with its photo.
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jembatan retak")
    await siti.sends_photo("EVIDENCE")
    await siti.taps("Selesai kirim foto")
    await siti.says("jembatan dusun 1")
    await siti.taps("✅ Kirim")
    assert len(await stored_media(db_url)) == 2
    assert len(files_in(media_folder(db_url))) == 2

    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    assert "dihapus" in siti.last_text()
    [case] = await stored_cases(db_url)
    [kept] = await stored_media(db_url)
    assert case.data["photos"] == [ref_of(kept.id)]
    [left] = files_in(media_folder(db_url))
    assert await asyncio.to_thread(left.read_bytes) == b"telegram file EVIDENCE"


async def test_an_erased_residents_kept_files_go_when_their_case_closes(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jembatan retak")
    await siti.sends_photo("EVIDENCE")
    await siti.taps("Selesai kirim foto")
    await siti.says("jembatan dusun 1")
    await siti.taps("✅ Kirim")
    [case] = await stored_cases(db_url)
    await card_for(bot_api, case.code)
    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    assert len(await stored_media(db_url)) == 1  # officials still need it

    sekdes = official(bot_api)
    prompt = (await sekdes.taps("Tolak"))[-1]
    await sekdes.replies_to(prompt.message_id or 0, "Bukan wewenang desa")
    [case] = await stored_cases(db_url)
    assert case.status == "rejected" and case.closed_at is not None
    assert not await stored_media(db_url) and not files_in(media_folder(db_url))


async def test_an_officials_signed_letter_over_the_cap_is_asked_for_again(bot_api, db_url, balai):
    await balai()
    siti = await registered(bot_api)
    case = await domisili_over_telegram(bot_api, db_url, siti)
    await card_for(bot_api, case.code)
    sekdes = official(bot_api)
    await sekdes.taps("Setujui")
    prompt = (await sekdes.taps("Kirim surat"))[-1]
    replies = await sekdes.replies_with_document(
        prompt.message_id or 0, "SCAN-300DPI", "surat.pdf", size=40 * MB
    )
    assert "terlalu besar" in replies[0].text and "20 MB" in replies[0].text
    assert replies[-1].params["reply_markup"]["force_reply"] is True  # the prompt again
    [case] = await stored_cases(db_url)
    assert case.status == "signing"  # still waiting for the letter
    await sekdes.replies_with_document(replies[-1].message_id or 0, "SCAN-OK", "surat.pdf")
    await bot_api.wait_for(lambda c: c.method == "sendDocument" and c.chat_id == "1001", 15)
    [case] = await stored_cases(db_url)
    assert case.status == "done"
