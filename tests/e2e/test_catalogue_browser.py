"""The public catalogue in a real browser (Playwright, Debian's chromium), served by the
demo, and its buttons leading back into the simulator, where the listing opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from bot.app import build_core
from tests.conftest import EXAMPLE, settings_for
from tests.e2e.test_simulator_browser import CHROMIUM, FLAGS, _demo
from tests.handlers.catalogue_seed import SUKAMAJU, add_listing, seller
from tests.helpers import FakeOfficials


async def _seed(db_url: str) -> str:
    """A live listing with a photo, and Siti (warga-1 in the simulator) registered."""
    core = await build_core(settings_for(db_url, EXAMPLE), FakeOfficials(), admin_channel="sim")
    try:
        budi = await seller(core, "1001", "Budi Santoso", dusun="Dusun I Krajan")
        listing = await add_listing(
            core, budi, name="Kopi robusta <b>bubuk</b>", photos=1, dusun="Dusun I Krajan"
        )
        await add_listing(core, budi, name="Gula aren", status="sold")
        await seller(core, "warga-1", "Siti Aminah", channel="simulator")
    finally:
        await core.close()
    return listing.code


@pytest.fixture
def browser_binary() -> str:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    return CHROMIUM


async def test_village_page_listing_and_the_way_back_into_the_chat(
    db_url, browser_binary: str, tmp_path: Path
):
    code = await _seed(db_url)
    async for simulator in _demo(db_url, EXAMPLE):
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=browser_binary, args=FLAGS)
            page = await browser.new_page()
            await page.goto(f"{simulator}/lapak/{SUKAMAJU}")
            await expect(page.get_by_role("heading")).to_have_text("Lapak Desa Sukamaju")
            item = page.get_by_role("link", name="Kopi robusta <b>bubuk</b>")
            await expect(item).to_be_visible()  # shown as typed, not as markup
            await expect(page.get_by_text("Gula aren")).to_have_count(0)  # sold
            thumbnail = item.locator("img")
            await expect(thumbnail).to_have_js_property("naturalWidth", 160)
            await page.screenshot(path=str(tmp_path / "village.png"))

            await item.click()
            await expect(page.get_by_role("heading")).to_have_text("Kopi robusta <b>bubuk</b>")
            await expect(page.get_by_text("Harga: Rp25.000/kg")).to_be_visible()
            await expect(page.get_by_text("Penjual: Budi")).to_be_visible()
            await expect(page.locator(".photos img")).to_have_js_property("naturalWidth", 320)
            listing_url = page.url

            # Telegram's button: the simulator opens and sends /start lapak_<code> as Siti.
            await page.get_by_role("link", name="Buka di Telegram").click()
            phone = page.get_by_test_id("phone")
            await expect(phone.locator(".msg.bot").last).to_contain_text(
                "Kopi robusta <b>bubuk</b>", timeout=10_000
            )
            await expect(phone.locator(".msg.bot").last).to_contain_text("Rp25.000/kg")
            await expect(phone.locator(".msg.me").last).to_have_text(f"/start lapak_{code}")
            assert "?" not in page.url  # sent once: a reload sends nothing again

            # WhatsApp's button: the typed text, from Siti's WhatsApp (not registered there).
            await page.goto(listing_url)
            await page.get_by_role("link", name="Buka di WhatsApp").click()
            await expect(page.get_by_test_id("app")).to_have_value("whatsapp")
            await expect(phone.locator(".msg.me").last).to_have_text(f"lapak {code}")
            await expect(phone.locator(".msg.bot").last).to_contain_text(
                "daftar dulu", timeout=10_000
            )

            await page.goto(f"{simulator}/lapak/{SUKAMAJU}/LPK-ZZZZ")
            await expect(page.get_by_role("heading")).to_have_text("Tidak ditemukan")
            await browser.close()
