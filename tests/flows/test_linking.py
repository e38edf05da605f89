"""One person, two apps: link codes, the one-tap offer by number, unlinking, and
notifications to the app used last."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace

from flows.engine.types import Incoming
from storage import people
from storage.models import ChannelIdentity, Citizen, LinkCode
from tests.flows.test_complaints import card_buttons, official, report
from tests.helpers import Person, fill_registration, outbox, register, rows

WA_NUMBER = "6281234567890"


class WhatsAppPerson(Person):
    """Someone writing from WhatsApp, whose number WhatsApp gives with each message."""

    def __init__(self, core, user_id: str = "wa-1", phone: str | None = WA_NUMBER) -> None:
        super().__init__(core, user_id, "Siti", channel="whatsapp")
        self.phone = phone

    def _base(self) -> Incoming:
        return replace(super()._base(), sender_phone=self.phone)


def code_in(person: Person) -> str:
    found = re.search(r"(\d{3}) (\d{3})", person.text)
    assert found, person.text
    return found[1] + found[2]


async def identities(core) -> dict[str, int | None]:
    return {i.external_id: i.citizen_id for i in await rows(core, ChannelIdentity)}


async def linked_pair(core) -> tuple[Person, WhatsAppPerson]:
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    wa = WhatsAppPerson(core, phone=None)
    await wa.says(code_in(siti))
    assert "tertaut" in wa.text, wa.text
    return siti, wa


async def test_code_from_telegram_links_whatsapp_with_one_profile(core):
    _siti, wa = await linked_pair(core)
    [citizen] = await rows(core, Citizen)
    assert await identities(core) == {"1001": citizen.id, "wa-1": citizen.id}
    await wa.says("/profil")
    assert "Siti Aminah" in wa.text
    notice = [m for m in await outbox(core) if m.chat_id == "1001"]
    assert len(notice) == 1 and "WhatsApp" in notice[0].payload["text"]
    assert "🔐" in notice[0].payload["text"]
    # Only a hash of the code is kept.
    [code] = await rows(core, LinkCode)
    assert code.code_hash is not None and len(code.code_hash) == 64


async def test_code_from_whatsapp_links_telegram_with_the_command(core):
    wa = WhatsAppPerson(core)
    await register(wa)
    await wa.says("/tautkan")
    code = code_in(wa)
    tg = Person(core, "3003")
    await tg.says(f"/tautkan {code[:3]} {code[3:]}")
    assert "Telegram ini sekarang tertaut" in tg.text
    assert len(set((await identities(core)).values())) == 1


async def test_code_is_used_once_even_when_two_send_it_at_once(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    code = code_in(siti)
    first, second = WhatsAppPerson(core, "wa-1", None), WhatsAppPerson(core, "wa-2", None)
    await asyncio.gather(first.says(code), second.says(code))
    ids = await identities(core)
    assert [ids["wa-1"], ids["wa-2"]].count(None) == 1
    third = WhatsAppPerson(core, "wa-3", None)
    await third.says(code)
    assert "kedaluwarsa atau sudah dipakai" in third.text
    assert (await identities(core))["wa-3"] is None


async def test_a_used_code_is_refused(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    code = code_in(siti)
    first = WhatsAppPerson(core, "wa-1", phone=None)
    await first.says(code)
    await first.says("/lepastautan")
    await first.taps("Ya, lepaskan")
    assert (await identities(core))["wa-1"] is None
    await first.says(code)
    assert "kedaluwarsa atau sudah dipakai" in first.text
    assert (await identities(core))["wa-1"] is None


async def test_code_expires_after_ten_minutes(core, clock):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    code = code_in(siti)
    clock.advance(minutes=10, seconds=1)
    wa = WhatsAppPerson(core, phone=None)
    await wa.says(code)
    assert "kedaluwarsa" in wa.text
    assert (await identities(core))["wa-1"] is None


async def test_a_new_code_replaces_the_old_one(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    old = code_in(siti)
    await siti.says("/tautkan")
    new = code_in(siti)
    wa = WhatsAppPerson(core, phone=None)
    if old != new:
        await wa.says(old)
        assert "tidak cocok" in wa.text
    await wa.says(new)
    assert "tertaut" in wa.text


async def test_codes_are_rate_limited_per_person(core, clock):
    siti = Person(core)
    await register(siti)
    for _ in range(3):
        await siti.says("/tautkan")
        code_in(siti)
    await siti.says("/tautkan")
    assert "tunggu satu jam" in siti.text
    clock.advance(hours=1, seconds=1)
    await siti.says("/tautkan")
    code_in(siti)


async def test_wrong_codes_are_rate_limited(core, clock):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    right = code_in(siti)
    wrong = "000000" if right != "000000" else "111111"
    wa = WhatsAppPerson(core, phone=None)
    for _ in range(5):
        await wa.says(wrong)
        assert "tidak cocok" in wa.text
    await wa.says(right)
    assert "Terlalu banyak kode salah" in wa.text
    assert (await identities(core))["wa-1"] is None
    clock.advance(minutes=10, seconds=1)
    await siti.says("/tautkan")
    await wa.says(code_in(siti))
    assert "tertaut" in wa.text


async def test_a_code_from_the_same_app_is_refused(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    other = Person(core, "3003")
    await other.says(code_in(siti))
    assert "dibuat di Telegram" in other.text
    assert (await identities(core))["3003"] is None


async def test_an_app_registered_as_someone_else_is_refused(core):
    siti = Person(core)
    await register(siti)
    await siti.says("/tautkan")
    budi = WhatsAppPerson(core, phone=None)
    await register(budi, name="Budi Santoso", nik="1804070101900003")
    await budi.says(code_in(siti))
    assert "sudah terdaftar sebagai warga" in budi.text and "/hapusdata" in budi.text
    ids = await identities(core)
    assert ids["1001"] != ids["wa-1"]


async def test_unregistered_person_is_told_how_to_get_a_code(core):
    wa = WhatsAppPerson(core, phone=None)
    await wa.says("/tautkan")
    assert "kirim /tautkan" in wa.text and "6 angka" in wa.text
    await wa.says("/bantuan")
    assert "/tautkan" in wa.text


async def test_whatsapp_number_offers_the_link_with_one_tap(core):
    siti = Person(core)
    await fill_registration(siti, until="phone")
    await siti.shares_contact("+6281234567890")
    await siti.taps("Simpan")
    wa = WhatsAppPerson(core)
    await wa.says("/daftar")
    assert "Anda sudah terdaftar di Telegram" in wa.text
    await wa.taps("Ya, tautkan")
    assert "WhatsApp ini sekarang tertaut" in wa.text
    assert len(await rows(core, Citizen)) == 1
    assert len(set((await identities(core)).values())) == 1


async def test_declining_the_offer_goes_on_registering(core):
    siti = Person(core)
    await fill_registration(siti, until="phone")
    await siti.shares_contact("+6281234567890")
    await siti.taps("Simpan")
    wa = WhatsAppPerson(core)
    await wa.says("/daftar")
    await wa.taps("Tidak")
    assert "✅ Saya setuju" in wa.buttons()


async def test_a_typed_number_is_not_trusted_for_the_offer(core):
    siti = Person(core)
    await register(siti, phone="081234567890")  # typed, not shared: unverified
    wa = WhatsAppPerson(core)
    await wa.says("/daftar")
    assert "sudah terdaftar di Telegram" not in wa.text
    assert "✅ Saya setuju" in wa.buttons()


async def test_telegram_own_contact_offers_a_whatsapp_registration(core):
    wa = WhatsAppPerson(core)
    await fill_registration(wa, until="phone")
    await wa.taps("Ya, pakai ini")
    await wa.taps("Simpan")
    tg = Person(core, "3003")
    await tg.says("/tautkan")
    assert tg.last.share_label
    await tg.shares_contact("+62 812-3456-7890")
    assert "Anda sudah terdaftar di WhatsApp" in tg.text
    await tg.taps("Ya, tautkan")
    assert "Telegram ini sekarang tertaut" in tg.text
    assert len(set((await identities(core)).values())) == 1


async def test_phone_step_offers_the_whatsapp_number(core):
    wa = WhatsAppPerson(core)
    await fill_registration(wa, until="phone")
    assert "Pakai nomor ini: +62 812-3456-7890?" in wa.text
    assert wa.last.share_label is None
    await wa.taps("Nomor lain")
    assert "ketik" in wa.text
    await wa.says("0813 1111 2222")
    await wa.taps("Simpan")
    [citizen] = await rows(core, Citizen)
    assert citizen.phone == "+6281311112222"


async def test_phone_step_without_a_number_asks_for_it(core):
    wa = WhatsAppPerson(core, phone=None)
    await fill_registration(wa, until="phone")
    assert "Pakai nomor ini" not in wa.text
    await wa.says("0812 3456 7890")
    await wa.taps("Simpan")
    assert "terdaftar" in wa.text


async def test_case_notification_reaches_only_the_app_used_last(core, clock, officials):
    siti, wa = await linked_pair(core)
    clock.advance(minutes=11)
    code = await report(siti)  # from Telegram: used last
    sekdes = official(core, officials)
    before = len(await outbox(core))
    await sekdes.presses((await card_buttons(core, code))["🛠️ Proses"])
    told = [m.chat_id for m in (await outbox(core))[before:] if m.chat_id in ("1001", "wa-1")]
    assert told == ["1001"]
    clock.advance(minutes=11)
    await wa.says("/profil")  # now WhatsApp is the app used last
    before = len(await outbox(core))
    await sekdes.presses((await card_buttons(core, code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal dengan aspal oleh warga dan desa")
    told = [m.chat_id for m in (await outbox(core))[before:] if m.chat_id in ("1001", "wa-1")]
    assert told == ["wa-1"]
    await wa.says(f"/status {code}")
    assert "Selesai" in wa.text  # one set of cases in both apps


async def test_unlinking_keeps_the_profile_with_the_other_app(core):
    siti, wa = await linked_pair(core)
    await wa.says("/lepastautan")
    await wa.taps("Tetap tautkan")
    assert (await identities(core))["wa-1"] is not None
    await wa.says("/lepastautan")
    await wa.taps("Ya, lepaskan")
    ids = await identities(core)
    assert ids["wa-1"] is None and ids["1001"] is not None
    await siti.says("/profil")
    assert "Siti Aminah" in siti.text
    await siti.says("/lepastautan")
    assert "satu-satunya" in siti.text
    assert (await identities(core))["1001"] is not None


async def test_deleting_data_from_one_app_unlinks_both(core):
    siti, wa = await linked_pair(core)
    await siti.says("/tautkan")
    await wa.says("/hapusdata")
    await wa.taps("Ya, hapus")
    assert set((await identities(core)).values()) == {None}
    assert await rows(core, LinkCode) == []
    await siti.says("/profil")
    assert "Siti Aminah" not in siti.text


async def test_an_app_that_blocked_balai_is_passed_over(core, clock, officials):
    siti, wa = await linked_pair(core)
    clock.advance(minutes=11)
    code = await report(siti)
    clock.advance(minutes=11)
    await wa.says("/profil")  # WhatsApp used last, but then blocked
    async with core.sessions() as session, session.begin():
        await people.mark_unreachable(session, "whatsapp", "wa-1", clock())
    before = len(await outbox(core))
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    told = [m.chat_id for m in (await outbox(core))[before:] if m.chat_id in ("1001", "wa-1")]
    assert told == ["1001"]
