"""Links into the chat for a listing: `/start lapak_<code>`, and WhatsApp's "lapak <code>"."""

from __future__ import annotations

import pytest

from bot.app import build_core
from flows.engine.catalog import Capability, Catalog, CatalogError
from tests.conftest import settings_for
from tests.flows.test_complaints import card_buttons, messages_to, official, resident
from tests.flows.test_linking import WhatsAppPerson
from tests.flows.test_market import listing, sell
from tests.helpers import Person, fill_registration


async def _live(core, officials, seller) -> str:
    code = await sell(seller, photos=1)
    await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
    return code


async def test_start_link_opens_the_listing_for_a_registered_buyer(core, officials):
    code = await _live(core, officials, await resident(core))
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    await budi.says(f"/start lapak_{code}")
    assert "Kopi robusta bubuk" in budi.last.text and "Rp25.000/kg" in budi.last.text
    assert budi.last.media and "1001" not in budi.last.text
    assert (await listing(core, code)).views == 1
    await budi.says("/start")  # a bare /start is still the menu
    assert "Kopi" not in budi.last.text and "🛒 Lapak Desa" in budi.buttons()


async def test_unregistered_person_registers_first_then_lands_on_the_listing(core, officials):
    code = await _live(core, officials, await resident(core))
    newcomer = Person(core, "1003", "Rina")
    await newcomer.says(f"/start lapak_{code.lower()}")
    assert "daftar" in newcomer.last.text.lower() and "Kopi" not in newcomer.last.text
    await newcomer.taps("Daftar")
    await fill_registration(
        newcomer,
        name="Rina Wulandari",
        nik="1804074107900004",
        phone="081234561003",
        started=True,
    )
    assert "terdaftar" in newcomer.text
    assert "Kopi robusta bubuk" in newcomer.last.text and newcomer.last.media


async def test_whatsapp_prefilled_text_opens_the_listing(core, officials):
    code = await _live(core, officials, await resident(core))
    wa = WhatsAppPerson(core, "6281234561002", phone="6281234561002")
    await wa.says(f"lapak {code}")  # what the click-to-chat link fills in, unregistered
    assert "daftar" in wa.last.text.lower()
    await wa.taps("Daftar")
    await fill_registration(
        wa, name="Budi Santoso", nik="1804074107900003", phone="081234561002", started=True
    )
    assert "Kopi robusta bubuk" in wa.last.text
    await wa.says(f"lapak {code}")
    assert "Kopi robusta bubuk" in wa.last.text and "WhatsApp:" not in wa.last.text


async def test_link_to_a_listing_not_shown_says_so(core, officials):
    siti = await resident(core)
    pending = await sell(siti, photos=0)  # not approved yet
    budi = await resident(core, "1002", "Budi Santoso", "1804074107900003")
    for text in (f"/start lapak_{pending}", "/start lapak_LPK-ZZZZ", f"lapak {pending}"):
        await budi.says(text)
        assert budi.last.text == "Produk itu sudah tidak ada."
        assert "Kopi" not in budi.last.text


async def test_approval_message_carries_the_public_page_when_set(db_url, clock, officials):
    settings = settings_for(db_url, BALAI_PUBLIC_URL="https://balai.desa.id/")
    core = await build_core(settings, officials, admin_channel="telegram", clock=clock)
    try:
        code = await _live(core, officials, await resident(core))
        told = [t for t in await messages_to(core, "1001") if "sudah tayang" in t]
        assert told and f"https://balai.desa.id/lapak/18.04.07.2001/{code}" in told[-1]
    finally:
        await core.close()


async def test_approval_message_has_the_code_only_without_a_public_address(core, officials):
    code = await _live(core, officials, await resident(core))
    [told] = [t for t in await messages_to(core, "1001") if "sudah tayang" in t]
    assert code in told and "http" not in told


def test_two_capabilities_claiming_one_link_prefix_stop_startup():
    async def opener(_ctx, _value):  # never called
        return []

    first = Capability(name="market", start_links={"lapak": opener})
    second = Capability(name="other", start_links={"lapak": opener})
    with pytest.raises(
        CatalogError, match="start link 'lapak' is claimed by both market and other"
    ):
        Catalog([first, second])
