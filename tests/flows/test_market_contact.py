"""💬 Hubungi penjual: relayed conversations, in-process (over both chat servers: tests/handlers/
whatsapp/test_market_running.py)."""

from __future__ import annotations

from flows.engine.types import Kind
from flows.market import contact, contact_relay
from storage.models import ContactBlock, ContactThread
from tests.flows.racing import written_first
from tests.flows.test_complaints import card_buttons, official, resident
from tests.flows.test_market import listing, sell
from tests.helpers import Person, citizens, outbox, rows

BUDI_NIK = "1804074107900003"
NAMES = (
    "Ani Lestari",
    "Dewi Sari",
    "Eka Putri",
    "Fitri Ayu",
    "Gita Rahma",
    "Hana Wulan",
    "Ina Kartika",
    "Juli Astuti",
    "Kiki Amalia",
    "Lina Marlina",
    "Mega Utami",
)


async def _live(core, officials, seller) -> str:
    code = await sell(seller, photos=0)
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    return code


async def _open(buyer: Person, code: str) -> None:
    await buyer.says("cari kopi")
    await buyer.taps("Kopi robusta")
    assert code not in buyer.text or "Kopi robusta" in buyer.text


async def _pair(core, officials) -> tuple[Person, Person, str]:
    siti = await resident(core)
    code = await _live(core, officials, siti)
    budi = await resident(core, "1002", "Budi Santoso", BUDI_NIK)
    return siti, budi, code


def _tap_in(core_messages: list, label: str) -> str:
    """The value of the button `label` on the newest outbox message that has it."""
    for message in reversed(core_messages):
        for row in message.payload["buttons"]:
            for text, value in row:
                if label in text:
                    return str(value)
    raise AssertionError(f"no button {label!r} in the outbox")


async def _to(core, chat_id: str) -> list:
    return [m for m in await outbox(core) if m.chat_id == chat_id]


async def test_in_process_message_reply_and_counted_once(core, officials):
    siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    assert "Ketik pesan Anda" in budi.text
    await budi.says("Masih ada? Saya mau 2 kg")
    assert "sudah diteruskan" in budi.text
    relayed = (await _to(core, "1001"))[-1].payload
    assert "Pembeli 1" in relayed["text"] and "Saya mau 2 kg" in relayed["text"]
    assert code in relayed["text"] and "Rp25.000/kg" in relayed["text"]
    assert "Budi" not in relayed["text"] and "1002" not in relayed["text"]
    labels = [label for row in relayed["buttons"] for label, _value in row]
    assert labels == ["✍️ Balas", "🔚 Akhiri percakapan", "🚫 Blokir pembeli"]
    assert all(len(label) <= 20 for label in labels)

    await siti.presses(_tap_in(await _to(core, "1001"), "Balas"))
    assert "Pembeli 1" in siti.text
    await siti.says("Masih, 2 kg siap besok")
    back = (await _to(core, "1002"))[-1].payload
    assert "penjual Siti" in back["text"] and "siap besok" in back["text"]
    assert "Aminah" not in back["text"] and "1001" not in back["text"]

    # Writing again on the same listing continues the thread: counted once.
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Baik, besok saya ambil")
    assert (await listing(core, code)).contacts == 1
    [thread] = await rows(core, ContactThread)
    assert thread.number == 1 and thread.sent_on_day == 3


async def test_photo_while_writing_is_refused_and_the_question_stays(core, officials):
    _siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    before = len(await _to(core, "1001"))
    await budi.sends(Kind.PHOTO, media_id="PHOTO-9")
    assert "Hanya pesan teks" in budi.text and "Ketik pesan Anda" in budi.text
    await budi.sends(Kind.VOICE, media_id="VOICE-9")
    assert "Hanya pesan teks" in budi.text
    assert len(await _to(core, "1001")) == before
    await budi.says("Ini teksnya")
    assert "sudah diteruskan" in budi.text
    assert "Ini teksnya" in (await _to(core, "1001"))[-1].payload["text"]


async def test_own_listing_has_no_button_and_a_forged_press_is_refused(core, officials):
    siti = await resident(core)
    code = await _live(core, officials, siti)
    await _open(siti, code)
    assert not any("Hubungi" in b for b in siti.buttons())
    row = await listing(core, code)
    await siti.presses(f"kontak:new:{row.id}")
    assert "dagangan Anda sendiri" in siti.text
    assert await rows(core, ContactThread) == []


async def test_sold_listing_ends_the_conversation_with_a_clear_message(core, officials):
    siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Masih ada?")
    reply_value = _tap_in(await _to(core, "1001"), "Balas")
    await siti.says("/lapaksaya")
    await siti.taps(code)
    await siti.taps("Terjual")
    # The seller's ✍️ Balas from before the sale goes nowhere now.
    await siti.presses(reply_value)
    assert "sudah tidak ditawarkan" in siti.text and "berakhir" in siti.text
    told = (await _to(core, "1002"))[-1].payload["text"]
    assert "berakhir" in told and "tidak ditawarkan" in told
    row = await listing(core, code)
    await budi.presses(f"kontak:new:{row.id}")
    assert "sudah tidak ditawarkan" in budi.text


async def test_ending_tells_the_other_side_and_refuses_further_replies(core, officials):
    siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Masih ada?")
    seller_buttons = await _to(core, "1001")
    await siti.presses(_tap_in(seller_buttons, "Akhiri"))
    assert "sudah diakhiri" in siti.text and "Pembeli 1 sudah diberi tahu" in siti.text
    assert "Penjual mengakhiri percakapan" in (await _to(core, "1002"))[-1].payload["text"]
    await siti.presses(_tap_in(seller_buttons, "Akhiri"))
    assert "sudah diakhiri sebelumnya" in siti.text
    await siti.presses(_tap_in(seller_buttons, "Balas"))
    assert "tidak bisa dikirim lagi" in siti.text
    # The buyer may write again from the listing: the same thread opens, still counted once.
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Maaf, masih bisa?")
    assert "sudah diteruskan" in budi.text
    assert (await listing(core, code)).contacts == 1


async def test_block_stops_the_buyer_on_every_listing_of_the_seller(core, officials):
    siti, budi, code = await _pair(core, officials)
    other = await _live(core, officials, siti)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Kirim nomor rekening dong")
    await siti.presses(_tap_in(await _to(core, "1001"), "Blokir"))
    assert "Blokir Pembeli 1?" in siti.text
    await siti.taps("Ya, blokir")
    assert "sudah diblokir" in siti.text
    [block] = await rows(core, ContactBlock)
    assert block.buyer_id != block.seller_id
    for listed in (code, other):
        row = await listing(core, listed)
        await budi.presses(f"kontak:new:{row.id}")
        assert "tidak menerima pesan dari Anda" in budi.text
        assert "bodoh" not in budi.text.lower()
    [thread] = await rows(core, ContactThread)
    await budi.presses(f"kontak:reply:{thread.id}")
    assert "tidak bisa dikirim lagi" in budi.text


async def test_limits_per_thread_and_new_threads_per_day(core, officials, clock):
    _siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    for n in range(contact_relay.MESSAGES_PER_DAY):
        await budi.taps("Hubungi penjual") if n == 0 else await budi.presses(
            f"kontak:new:{(await listing(core, code)).id}"
        )
        await budi.says(f"pesan {n}")
        assert "sudah diteruskan" in budi.text, budi.text
    await budi.presses(f"kontak:new:{(await listing(core, code)).id}")
    await budi.says("satu lagi")
    assert "30 pesan" in budi.text and "tidak terkirim" in budi.text
    clock.advance(days=1)
    await budi.presses(f"kontak:new:{(await listing(core, code)).id}")
    await budi.says("hari baru")
    assert "sudah diteruskan" in budi.text

    ids = []
    for n in range(contact.NEW_PER_DAY + 1):
        seller = await resident(core, f"20{n:02d}", NAMES[n], f"18040741079{n + 10:05d}")
        ids.append((await listing(core, await _live(core, officials, seller))).id)
    for n, listing_id in enumerate(ids):
        await budi.presses(f"kontak:new:{listing_id}")
        if n < contact.NEW_PER_DAY:
            await budi.says("Halo")
            assert "sudah diteruskan" in budi.text
    assert "10 percakapan" in budi.text and "besok" in budi.text


async def test_deleting_data_ends_the_sellers_conversations(core, officials):
    siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Masih ada?")
    await siti.says("/hapusdata")
    await siti.taps("Ya, hapus")
    [thread] = await rows(core, ContactThread)
    assert thread.status == "ended"
    told = (await _to(core, "1002"))[-1].payload["text"]
    assert "berakhir" in told
    await budi.presses(f"kontak:reply:{thread.id}")
    assert "tidak bisa dikirim lagi" in budi.text


async def test_two_ends_at_once_tell_each_side_once(core, officials):
    import asyncio

    siti, budi, code = await _pair(core, officials)
    await _open(budi, code)
    await budi.taps("Hubungi penjual")
    await budi.says("Masih ada?")
    [thread] = await rows(core, ContactThread)
    await asyncio.gather(
        siti.presses(f"kontak:end:{thread.id}"), budi.presses(f"kontak:end:{thread.id}")
    )
    notices = [
        m for m in await outbox(core) if m.chat_id in ("1001", "1002") and "🔚" in m.payload["text"]
    ]
    assert len(notices) == 1
    assert (await listing(core, code)).contacts == 1


async def test_a_thread_opened_meanwhile_is_joined_not_doubled(core, officials):
    """Budi's other app opened the conversation between this message's read and its write."""
    _siti, budi, code = await _pair(core, officials)
    row = await listing(core, code)
    [buyer] = [c for c in await citizens(core) if c.full_name == "Budi Santoso"]
    await budi.presses(f"kontak:new:{row.id}")
    other_app = (
        "INSERT INTO contact_threads (listing_id, seller_id, buyer_id, number, status, "
        "created_at, updated_at, day, sent_on_day) VALUES "
        "(?, ?, ?, 1, 'open', '2026-11-22 04:00:00.000000', '2026-11-22 04:00:00.000000', '', 0)"
    )
    params = (row.id, row.citizen_id, buyer.id)
    with written_first(core.engine, "INSERT INTO contact_threads", other_app, params) as raced:
        await budi.says("Masih ada?")
    assert raced and "sudah diteruskan" in budi.text
    [thread] = await rows(core, ContactThread)
    assert thread.number == 1 and thread.sent_on_day == 1
    # The other app's transaction counted the contact; this one did not count it again.
    assert (await listing(core, code)).contacts == 0


# --- over the real channels: a fake Bot API and a fake Graph API ---------------------------
