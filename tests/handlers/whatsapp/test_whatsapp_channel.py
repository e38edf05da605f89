"""Balai on WhatsApp: signed webhooks in, Graph API calls out, officials on Telegram."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.models import ChannelIdentity, Citizen, InboundReceipt, Village
from tests.conftest import TWO_VILLAGES
from tests.handlers.fake_bot_api import TelegramUser
from tests.handlers.whatsapp.fake_graph_api import (
    PHONE_NUMBER_ID,
    TOKEN,
    VERIFY_TOKEN,
    VERSION,
    sign,
)
from tests.helpers import fill_registration

ADMIN = "-1001000000001"
NIK = "1804074107900002"


async def stored(db_url: str, model: type) -> list:
    engine = create_engine(db_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(model)))
    await engine.dispose()
    return found


async def get(url: str, **params: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
        return response.status, await response.text()


async def test_handshake_answers_the_challenge_only_for_the_right_token(whatsapp_balai):
    balai = await whatsapp_balai()
    right = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    assert await get(balai.webhook_url, **right) == (200, "1158201444")
    wrong = {**right, "hub.verify_token": "guess"}
    assert (await get(balai.webhook_url, **wrong))[0] == 403
    assert (await get(balai.webhook_url, **{**right, "hub.mode": "unsubscribe"}))[0] == 403


async def test_unsigned_and_wrongly_signed_posts_are_refused_and_nothing_is_stored(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    siti = balai.person()
    body = siti.body(siti.message("text", {"body": "/start"}))
    assert await siti.post(body, signature=None) == 401
    assert await siti.post(body, signature=sign(json.dumps(body).encode(), "not-the-secret")) == 403
    # A bad JSON body correctly signed is a 400, not a crash.
    async with aiohttp.ClientSession() as session:
        raw = b"{not json"
        headers = {"X-Hub-Signature-256": sign(raw)}
        async with session.post(balai.webhook_url, data=raw, headers=headers) as response:
            assert response.status == 400
    await balai.channel.drain()
    assert await stored(db_url, InboundReceipt) == []
    assert await stored(db_url, ChannelIdentity) == []
    assert balai.graph.calls == []


async def test_registration_on_whatsapp_and_the_card_reaches_the_telegram_admin_chat(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    siti = balai.person()
    replies = await siti.says("/start")
    assert replies, "Balai answered"
    for call in balai.graph.calls:
        assert call.authorization == f"Bearer {TOKEN}"
        assert call.path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    # The person's message is marked read.
    assert any(c.is_read_mark for c in balai.graph.calls)

    await fill_registration(siti, started=False)
    [citizen] = await stored(db_url, Citizen)
    assert citizen.nik == NIK and citizen.phone == "+6281234567890"
    assert "terdaftar" in " ".join(c.text for c in siti.replies)

    kinds = set()
    for call in balai.graph.sent(siti.wa_id):
        assert call.body["messaging_product"] == "whatsapp"
        if call.body["type"] != "interactive":
            continue
        interactive = call.body["interactive"]
        kinds.add(interactive["type"])
        if interactive["type"] == "button":
            titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
            assert len(titles) <= 3 and len(set(titles)) == len(titles)
            assert all(len(t) <= 20 for t in titles)
            assert len(interactive["body"]["text"]) <= 1024
        elif interactive["type"] == "list":
            rows = [r for s in interactive["action"]["sections"] for r in s["rows"]]
            assert len(rows) <= 10 and all(len(r["title"]) <= 24 for r in rows)
            assert len(interactive["action"]["button"]) <= 20
    assert {"button", "list"} <= kinds

    card = await balai.bot_api.wait_for(
        lambda c: c.method == "sendMessage" and c.chat_id == ADMIN and "1804" in c.text
    )
    assert NIK not in card.text


async def test_the_same_webhook_delivered_twice_is_handled_once(whatsapp_balai, db_url):
    balai = await whatsapp_balai()
    siti = balai.person()
    hello = siti.body(siti.message("text", {"body": "/start"}))
    assert await siti.post(hello) == 200
    assert await siti.post(hello) == 200
    await balai.channel.drain()
    # Delivered again later, after it was handled: still nothing new.
    assert await siti.post(hello) == 200
    await balai.channel.drain()
    assert len(balai.graph.sent(siti.wa_id)) == 1
    assert len(await stored(db_url, InboundReceipt)) == 1


async def test_two_messages_of_one_person_out_of_order_are_handled_in_order(whatsapp_balai):
    balai = await whatsapp_balai()
    siti = balai.person()
    await siti.says("/daftar")
    await siti.taps("Saya setuju")
    await siti.taps("Sukamaju")
    name = siti.message("text", {"body": "Siti Aminah"})
    nik = siti.message("text", {"body": NIK})  # stamped after the name
    before = len(balai.graph.sent(siti.wa_id))
    # Meta delivers the later message first, in two webhooks at once (each is answered
    # once its message is handled).
    later_first = [siti.post(siti.body(nik)), siti.post(siti.body(name))]
    assert await asyncio.gather(*later_first) == [200, 200]
    await balai.channel.drain()
    texts = [c.text for c in balai.graph.sent(siti.wa_id)[before:]]
    assert "Langkah 4 dari 7" in texts[0]  # the name was taken first: now the NIK
    assert "Langkah 5 dari 7" in texts[-1]  # then the NIK: now the dusun
    assert not any("NIK harus" in t for t in texts)


async def test_a_batch_of_kinds_each_gets_an_answer_and_nothing_crashes(whatsapp_balai):
    balai = await whatsapp_balai()
    siti = balai.person()
    messages = [
        siti.message("sticker", {"id": "STK1", "mime_type": "image/webp"}),
        siti.message("unsupported", {}, errors=[{"code": 131051, "title": "Unsupported"}]),
        siti.message("audio", {"id": "AUD1", "mime_type": "audio/ogg", "voice": True}),
        siti.message("location", {"latitude": -5.1, "longitude": 105.6}),
        siti.message("video", {"id": "VID1"}),
    ]
    replies = await siti.exchange(*messages)
    assert len(replies) >= len(messages)
    assert all(c.to == siti.wa_id for c in replies)


async def test_a_long_list_pages_on_from_the_stored_question_even_after_a_restart(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    siti = balai.person()
    await fill_registration(siti)
    [first] = [c for c in await siti.says("/surat") if c.choices()]
    ids = [choice for _, choice in first.choices()]
    assert len(ids) == 10 and any(i.startswith("wa:more:") for i in ids)
    await balai.stop()

    balai = await whatsapp_balai()  # nothing of the list is kept in memory
    siti = balai.person()
    [second] = [c for c in await siti.taps("Lainnya") if c.choices()]
    later = [choice for _, choice in second.choices()]
    assert set(later) - set(ids), "the next page shows other letters"
    letter = next((t for t, i in second.choices() if not i.startswith(("wa:", "nav:"))), None)
    assert letter is not None
    replies = await siti.taps(letter)
    assert replies and "Langkah" in " ".join(c.text for c in replies)


async def test_a_village_with_its_own_number_needs_no_village_choice(
    whatsapp_balai, db_url, tmp_path
):
    config = tmp_path / "balai.toml"
    config.write_text(
        TWO_VILLAGES.read_text().replace(
            'phone = "0411-654321"', 'phone = "0411-654321"\nwhatsapp_phone_number_id = "2222"'
        )
    )
    balai = await whatsapp_balai(config)
    andi = balai.person("6285200001111", "Andi")
    andi.number = "2222"
    await fill_registration(andi, village=None, dusun="Lingkungan Satu", nik="7371010101900001")
    [citizen] = await stored(db_url, Citizen)
    villages = {v.id: v.code for v in await stored(db_url, Village)}
    assert villages[citizen.village_id] == "73.71.01.1001"
    asked = " ".join(c.text for c in balai.graph.sent(andi.wa_id))
    # Six questions, not seven: the village came with the number.
    assert "Langkah 1 dari 6" in asked and "dari 7" not in asked
    # Replies leave from the number the person wrote to.
    assert {c.path for c in balai.graph.sent(andi.wa_id)} == {f"/{VERSION}/2222/messages"}

    # So do notifications through the outbox: the village's official verifies on Telegram.
    api = balai.bot_api
    api.members[("-1001000000002", "9002")] = "member"
    lurah = TelegramUser(api, 9002, "Pak Lurah", chat_id="-1001000000002")
    await api.wait_for(lambda c: c.chat_id == "-1001000000002" and "Warga baru" in c.text)
    await lurah.taps("Verifikasi")
    notice = await balai.graph.wait_for(
        lambda c: c.to == andi.wa_id and "memverifikasi" in c.text, within=15
    )
    assert notice.path == f"/{VERSION}/2222/messages"


async def test_people_are_keyed_by_their_user_id_with_the_number_kept_when_given(
    whatsapp_balai, db_url
):
    balai = await whatsapp_balai()
    siti = balai.person()
    siti.user_id = "ID.1502576394655843"
    await siti.says("/start")
    # A username hides Budi's number: only his user id arrives.
    budi = balai.person("", "Budi")
    budi.user_id = "ID.9900000000000001"
    await budi.says("/start")
    identities = {i.external_id: i for i in await stored(db_url, ChannelIdentity)}
    assert identities["ID.1502576394655843"].phone == siti.wa_id
    assert identities["ID.9900000000000001"].phone is None
    [to_budi] = balai.graph.sent("ID.9900000000000001")
    assert to_budi.body["recipient"] == "ID.9900000000000001" and "to" not in to_budi.body


async def test_meta_is_answered_once_the_message_is_handled_and_answered(whatsapp_balai):
    balai = await whatsapp_balai()
    siti = balai.person()
    assert await siti.post(siti.body(siti.message("text", {"body": "/start"}))) == 200
    # Already there, without waiting for Balai: a worker killed before the reply went
    # leaves Meta's call unanswered, and Meta sends the message again.
    assert [c for c in balai.graph.calls if not c.is_read_mark]
