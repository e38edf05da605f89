"""WhatsApp media both ways: kept in Balai's store on arrival, sent from it by media id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.outbox import OutboxWorker
from flows.engine.types import Media, MediaKind, Outbound, Reply
from handlers.whatsapp.media import MediaGraphClient, WhatsAppFiles
from handlers.whatsapp.render import Labels
from handlers.whatsapp.sender import WhatsAppSender
from storage import people
from storage.db import create_engine, session_factory
from storage.media import media_id_of, ref_of
from storage.models import Case, MediaChannelRef
from tests.handlers.test_telegram_letters import official
from tests.handlers.whatsapp.fake_graph_api import (
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeGraphApi,
    WhatsAppUser,
)
from tests.helpers import (
    InstantClock,
    fill_registration,
    outbox,
    save_media,
    stored_bytes,
    stored_media,
)

ADMIN = "-1001000000001"
SITI = "6281234567890"
MB = 1024 * 1024
VOICE = b"OggS a voice note about the road"
PHOTO = b"\xff\xd8 a broken road"
SIGNED = b"%PDF-1.7 ditandatangani"


async def stored(db_url: str, model: type) -> list[Any]:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(model)))
    await engine.dispose()
    return found


def voice_note(person: WhatsAppUser, media_id: str) -> dict[str, Any]:
    content = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
    return person.message("audio", content)


def image(person: WhatsAppUser, media_id: str) -> dict[str, Any]:
    return person.message("image", {"id": media_id, "mime_type": "image/jpeg"})


async def reported_road(graph: FakeGraphApi, siti: WhatsAppUser) -> None:
    """Siti, registered, is at the photo step of a road complaint."""
    await fill_registration(siti)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("Jembatan bambu di dusun 2 patah")


async def test_a_complaint_with_voice_photo_and_location_reaches_the_admin_chat(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    graph, bot_api = balai.graph, balai.bot_api
    graph.media["WA-VOICE"] = (VOICE, "audio/ogg")
    graph.media["WA-PHOTO"] = (PHOTO, "image/jpeg")
    siti = balai.person()
    await fill_registration(siti)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.exchange(voice_note(siti, "WA-VOICE"))
    await siti.exchange(image(siti, "WA-PHOTO"))
    await siti.taps("Selesai kirim foto")
    await siti.exchange(siti.message("location", {"latitude": -5.2, "longitude": 105.6}))
    await siti.taps("✅ Kirim")

    [case] = [c for c in await stored(db_url, Case) if c.kind == "complaint"]
    assert case.code in siti.last_text()
    assert await stored_bytes(db_url, case.data["voice"]) == VOICE
    assert [await stored_bytes(db_url, p) for p in case.data["photos"]] == [PHOTO]
    assert graph.downloads == ["WA-VOICE", "WA-PHOTO"]
    # WhatsApp's own ids are remembered: sending them back to Siti needs no upload.
    # (Telegram's ids of the same files are kept beside them: the admin chat's uploads.)
    refs = {
        r.media_id: r.ref for r in await stored(db_url, MediaChannelRef) if r.channel == "whatsapp"
    }
    assert refs[media_id_of(case.data["voice"])] == "WA-VOICE"

    card = await bot_api.wait_for(
        lambda c: c.chat_id == ADMIN and case.code in c.text and c.buttons(), within=15
    )
    before = [c for c in bot_api.calls[: bot_api.calls.index(card)] if c.chat_id == ADMIN]
    assert {"sendVoice", "sendLocation"} <= {c.method for c in before}
    # Telegram never saw these files: they were uploaded from the store.
    uploaded = {(method, data) for method, _name, data, _id in bot_api.uploads}
    assert ("sendVoice", VOICE) in uploaded
    assert any(data == PHOTO for _method, data in uploaded)


async def test_a_signed_letter_reaches_the_whatsapp_resident_as_a_document(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    graph, bot_api = balai.graph, balai.bot_api
    graph.media["WA-KTP"] = (b"\xff\xd8 ktp", "image/jpeg")
    graph.media["WA-KK"] = (b"\xff\xd8 kk", "image/jpeg")
    siti = balai.person()
    await fill_registration(siti)
    await siti.says("surat domisili")
    await siti.exchange(image(siti, "WA-KTP"))
    await siti.exchange(image(siti, "WA-KK"))
    await siti.taps("Melamar pekerjaan")
    await siti.taps("Ambil di kantor")
    [case] = [c for c in await stored(db_url, Case) if c.kind == "letter"]
    card = await bot_api.wait_for(
        lambda c: c.chat_id == ADMIN and case.code in c.text and c.buttons(), within=15
    )
    # The KTP and KK were shown to the officials, uploaded to Telegram from the store.
    assert {data for _m, _n, data, _id in bot_api.uploads} >= {b"\xff\xd8 ktp", b"\xff\xd8 kk"}

    bot_api.files["SIGNED-PDF"] = SIGNED
    sekdes = official(bot_api)
    await sekdes.taps("Setujui")
    await sekdes.replies_with_document(card.message_id or 0, "SIGNED-PDF", "surat.pdf")
    delivered = await graph.wait_for(
        lambda c: c.to == siti.wa_id and c.body.get("type") == "document", within=15
    )
    [upload] = graph.uploads
    assert upload.data == SIGNED and upload.mime_type == "application/pdf"
    assert delivered.body["document"] == {"id": upload.media_id, "filename": "surat.pdf"}


async def test_a_file_over_the_cap_is_refused_without_downloading(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    graph = balai.graph
    graph.media["WA-HUGE"] = (b"\xff\xd8 pretend this is big", "image/jpeg")
    graph.claimed_sizes["WA-HUGE"] = 25 * MB
    siti = balai.person()
    await reported_road(graph, siti)
    replies = await siti.exchange(image(siti, "WA-HUGE"))
    said = " ".join(c.text for c in replies)
    assert "terlalu besar" in said and "20 MB" in said
    assert replies[-1].choices(), "the photo question, with its choices, comes again"
    assert graph.looked_up == ["WA-HUGE"] and graph.downloads == []
    assert not await stored_media(db_url)

    graph.media["WA-SMALL"] = (PHOTO, "image/jpeg")
    await siti.exchange(image(siti, "WA-SMALL"))
    await siti.taps("Selesai kirim foto")
    await siti.says("dusun 2")
    await siti.taps("✅ Kirim")
    [case] = [c for c in await stored(db_url, Case) if c.kind == "complaint"]
    assert "patah" in case.data["description"] and len(case.data["photos"]) == 1


async def test_a_failed_download_keeps_the_step(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    graph = balai.graph
    graph.media["WA-GONE"] = (PHOTO, "image/jpeg")
    graph.failing.add("WA-GONE")
    siti = balai.person()
    await reported_road(graph, siti)
    replies = await siti.exchange(image(siti, "WA-GONE"))
    said = " ".join(c.text for c in replies)
    assert "tidak sampai" in said and "kirim sekali lagi" in said
    assert replies[-1].choices()
    assert not await stored_media(db_url)
    # The same photo, once WhatsApp hands it over, is taken at the same step.
    graph.failing.clear()
    await siti.exchange(image(siti, "WA-GONE"))
    assert len(await stored_media(db_url)) == 1


@pytest.fixture
async def media_graph(core, clock, graph_api: FakeGraphApi) -> AsyncIterator[MediaGraphClient]:
    """The Graph client Balai runs with when it keeps media: store references resolved."""
    files = WhatsAppFiles(core.services.media, core.sessions, clock)
    client = MediaGraphClient(f"{graph_api.url}/{VERSION}", PHONE_NUMBER_ID, TOKEN, files)
    yield client
    await client.close()


async def signed_pdf(core, clock) -> str:
    """A signed letter in the store, as an official's upload on Telegram leaves it."""
    async with core.sessions() as session, session.begin():
        identity, _row = await people.identity_and_conversation(session, "telegram", "9001")
        media_id = await save_media(
            core.services.media,
            session,
            SIGNED,
            kind="document",
            mime_type="application/pdf",
            file_name="surat-domisili.pdf",
            identity_id=identity.id,
            now=clock(),
        )
    return ref_of(media_id)


def letter(ref: str) -> Reply:
    return Reply("📄 Surat Anda sudah siap.", media=(Media(MediaKind.DOCUMENT, ref),))


async def test_a_document_is_uploaded_once_then_sent_by_its_cached_id(
    core, clock, media_graph, graph_api
):
    ref = await signed_pdf(core, clock)
    await core.runner.queue([Outbound("whatsapp", SITI, letter(ref))] * 2)
    worker = OutboxWorker(
        core.sessions,
        {"whatsapp": WhatsAppSender(media_graph, Labels())},
        clock,
        monotonic=InstantClock().now,
        sleep=InstantClock().sleep,
    )
    await worker.run_once()
    await worker.run_once()
    assert [m.status for m in await outbox(core)] == ["sent", "sent"]
    [upload] = graph_api.uploads
    assert (upload.data, upload.mime_type, upload.file_name) == (
        SIGNED,
        "application/pdf",
        "surat-domisili.pdf",
    )
    documents = graph_api.media_sent(SITI, "document")
    expected = {"id": upload.media_id, "filename": "surat-domisili.pdf"}
    assert [d.body["document"] for d in documents] == [expected, expected]
    # The text follows its document.
    assert [c.body["type"] for c in graph_api.sent(SITI)] == ["document", "text"] * 2


async def test_an_expired_cached_id_is_uploaded_again_and_replaced(
    core, clock, media_graph, graph_api
):
    ref = await signed_pdf(core, clock)
    sender = WhatsAppSender(media_graph, Labels())
    await sender.send(SITI, letter(ref))
    [first] = graph_api.uploads
    # Thirty days on, Meta no longer knows the id (error 131053).
    graph_api.expired.add(first.media_id)
    clock.advance(days=31)
    await sender.send(SITI, letter(ref))
    assert [u.data for u in graph_api.uploads] == [SIGNED, SIGNED]
    second = graph_api.uploads[1]
    documents = graph_api.media_sent(SITI, "document")
    assert [d.body["document"]["id"] for d in documents] == [
        first.media_id,
        first.media_id,  # refused
        second.media_id,
    ]
    await sender.send(SITI, letter(ref))
    assert len(graph_api.uploads) == 2, "the new id was cached"
    assert graph_api.media_sent(SITI, "document")[-1].body["document"]["id"] == second.media_id


async def test_a_store_photo_and_voice_note_go_as_image_and_audio(
    core, clock, media_graph, graph_api
):
    async with core.sessions() as session, session.begin():
        identity, _row = await people.identity_and_conversation(session, "telegram", "1001")
        saved = [
            await save_media(
                core.services.media,
                session,
                data,
                kind=kind,
                mime_type=mime,
                file_name=None,
                identity_id=identity.id,
                now=clock(),
            )
            for data, kind, mime in ((PHOTO, "photo", "image/jpeg"), (VOICE, "voice", "audio/ogg"))
        ]
    reply = Reply(
        "ADU-7K3Q",
        media=(
            Media(MediaKind.PHOTO, ref_of(saved[0])),
            Media(MediaKind.VOICE, ref_of(saved[1])),
            Media(MediaKind.LOCATION, "-5.2,105.6"),
        ),
    )
    await WhatsAppSender(media_graph, Labels()).send(SITI, reply)
    kinds = [c.body["type"] for c in graph_api.sent(SITI)]
    assert kinds == ["image", "audio", "location", "text"]
    assert {(u.mime_type, u.data) for u in graph_api.uploads} == {
        ("image/jpeg", PHOTO),
        ("audio/ogg", VOICE),
    }


async def test_an_announcement_with_a_file_is_one_message_with_its_buttons(
    core, clock, media_graph, graph_api
):
    from datetime import timedelta

    from bot.broadcast import Dispatcher
    from storage.models import Announcement
    from tests.bot.test_broadcast import RecordingSender, announce, deliver_all, seed

    await seed(
        core, 1, channel="whatsapp", first_chat=int(SITI), last_inbound=clock() - timedelta(hours=1)
    )
    ref = await signed_pdf(core, clock)
    made = await announce(core, kind="important")
    async with core.sessions() as session, session.begin():
        row = await session.get(Announcement, made)
        row.media_ref, row.media_kind = ref, "document"
    pacing = InstantClock()
    worker = OutboxWorker(
        core.sessions,
        {"whatsapp": WhatsAppSender(media_graph, Labels()), "telegram": RecordingSender()},
        clock,
        monotonic=pacing.now,
        sleep=pacing.sleep,
    )
    await deliver_all(Dispatcher(core.services, core.sessions), worker)
    [message] = graph_api.sent(SITI)  # one message: no second one to fail and resend the file
    [upload] = graph_api.uploads
    interactive = message.body["interactive"]
    assert interactive["header"] == {
        "type": "document",
        "document": {"id": upload.media_id, "filename": "surat-domisili.pdf"},
    }
    assert "Posyandu hari Sabtu" in interactive["body"]["text"]
    titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert titles[0].endswith("Sudah saya baca")


async def test_a_stored_files_caption_reaches_whatsapp(core, clock, media_graph, graph_api):
    ref = await signed_pdf(core, clock)
    file = Media(MediaKind.DOCUMENT, ref, caption="Surat domisili Anda")
    await WhatsAppSender(media_graph, Labels()).send(SITI, Reply("📄 Siap.", media=(file,)))
    [message] = [c for c in graph_api.sent(SITI) if c.body.get("type") == "document"]
    assert message.body["document"]["caption"] == "Surat domisili Anda"
    assert message.body["document"]["filename"] == "surat-domisili.pdf"
