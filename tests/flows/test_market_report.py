"""⚠️ Laporkan: a resident reports a listing; officials take it down or dismiss the report."""

from __future__ import annotations

from storage.models import AuditEntry, Case
from tests.flows.test_complaints import ADMIN, card_buttons, messages_to, official, resident
from tests.flows.test_linking import WhatsAppPerson
from tests.flows.test_market import findable, listing, sell
from tests.helpers import Person, outbox, register, rows


async def live_listing(core, officials) -> str:
    siti = await resident(core)
    code = await sell(siti, photos=1)
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    return code


async def opens(buyer: Person) -> None:
    await buyer.says("cari kopi robsta")
    await buyer.taps("Kopi robusta")
    assert "Kopi robusta bubuk" in buyer.last.text


async def reports(core, buyer: Person, reason: str = "Penipuan", note: str | None = None) -> str:
    """From the listing: ⚠️ Laporkan, a reason, a note or skip; the report's code."""
    await opens(buyer)
    await buyer.taps("Laporkan")
    await buyer.taps(reason)
    if note is None:
        await buyer.taps("Lewati")
    else:
        await buyer.says(note)
    assert "Terima kasih" in buyer.text and "LPR-" in buyer.text
    [case] = [c for c in await rows(core, Case) if c.kind == "listing_report"][-1:]
    return case.code


async def test_a_report_reaches_the_officials_and_take_down_tells_both(core, officials):
    code = await live_listing(core, officials)
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    report = await reports(core, budi, note="Sudah transfer, barang tidak dikirim")
    card = next(m for m in await messages_to(core, ADMIN) if report in m)
    assert "Kopi robusta bubuk" in card and code in card and "Kebun" in card
    assert "Rp25.000/kg" in card and "Penjual: Siti, dusun Krajan" in card
    assert "Aminah" not in card and "1001" not in card  # the seller's first name, no phone
    assert "Penipuan" in card and "barang tidak dikirim" in card
    assert "Budi Santoso" in card and "+62 812-****-1002" in card

    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    assert report in sekdes.text
    await sekdes.presses((await card_buttons(core, report))["⛔ Turunkan iklan"])
    await sekdes.says("Penjual tidak bisa dihubungi, laporan penipuan")
    assert "diturunkan" in sekdes.last.text
    row = await listing(core, code)
    assert row.status == "removed" and not await findable(core, row)
    to_seller = (await messages_to(core, "1001"))[-1]
    assert "Diturunkan" in to_seller and "tidak bisa dihubungi" in to_seller
    assert "Budi" not in to_seller  # the seller is not told who reported
    to_reporter = (await messages_to(core, "1002"))[-1]
    assert report in to_reporter and "menurunkan iklan" in to_reporter
    await budi.says("cari kopi")
    assert "Kopi robusta bubuk" not in budi.last.text
    [case] = [c for c in await rows(core, Case) if c.code == report]
    assert case.status == "taken_down" and case.closed_at is not None
    await sekdes.says("/antrian")
    assert report not in sekdes.text


async def test_whatsapp_reporter_other_needs_a_note_and_dismiss_keeps_the_listing(core, officials):
    code = await live_listing(core, officials)
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await register(wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002")
    await opens(wa)
    await wa.taps("Laporkan")
    await wa.taps("Lainnya")
    assert "Lewati" not in wa.buttons()
    await wa.says("lewati")
    assert "catatan singkat" in wa.last.text
    await wa.says("Fotonya diambil dari internet")
    assert "Terima kasih" in wa.text
    [case] = [c for c in await rows(core, Case) if c.kind == "listing_report"]
    card = next(m for m in await messages_to(core, ADMIN) if case.code in m)
    assert "Lainnya" in card and "diambil dari internet" in card

    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, case.code))["✅ Abaikan"])
    assert (await listing(core, code)).status == "live"
    [told] = [m for m in await outbox(core) if m.chat_id == "6281234561002"]
    assert told.channel == "whatsapp" and "tidak menemukan masalah" in told.payload["text"]
    assert "Tidak ada masalah" in (await messages_to(core, ADMIN))[-1]


async def test_a_second_report_of_the_same_listing_says_it_is_reported(core, officials):
    await live_listing(core, officials)
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    report = await reports(core, budi, "Tidak sesuai")
    await opens(budi)
    await budi.taps("Laporkan")
    assert "sudah melaporkan" in budi.last.text and report in budi.last.text
    assert len([c for c in await rows(core, Case) if c.kind == "listing_report"]) == 1


async def test_a_non_member_press_on_a_report_card_is_refused(core, officials):
    code = await live_listing(core, officials)
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    report = await reports(core, budi, "Barang terlarang")
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    await stranger.presses((await card_buttons(core, report))["⛔ Turunkan iklan"])
    assert "hanya untuk petugas" in stranger.last.text
    await stranger.presses((await card_buttons(core, report))["✅ Abaikan"])
    assert "hanya untuk petugas" in stranger.last.text
    assert (await listing(core, code)).status == "live"
    [case] = [c for c in await rows(core, Case) if c.code == report]
    assert case.status == "open"
    assert not [a for a in await rows(core, AuditEntry) if a.record_type == "listing_report"]


async def test_the_seller_cannot_report_their_own_listing(core, officials):
    await live_listing(core, officials)
    siti = Person(core, "1001", "Siti")
    await opens(siti)
    await siti.taps("Laporkan")
    assert "produk Anda sendiri" in siti.last.text
