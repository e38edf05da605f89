"""The web simulator in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from bot.runtime import serve_demo
from tests.conftest import EXAMPLE, settings_for
from tests.helpers import InstantClock

CHROMIUM = os.environ.get("BALAI_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    return CHROMIUM


@pytest.fixture
async def simulator(db_url):
    port = free_port()
    stop = asyncio.Event()
    pacing = InstantClock()  # the outbox's pacing decides as always but does not wait
    task = asyncio.create_task(
        serve_demo(
            settings_for(db_url, EXAMPLE), port, stop, monotonic=pacing.now, sleep=pacing.sleep
        )
    )
    for _ in range(100):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_registration_in_the_browser_and_card_in_admin_chat(
    simulator, chromium, tmp_path: Path
):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = await browser.new_page()
        await page.goto(simulator)
        phone = page.get_by_test_id("phone")
        admin = page.get_by_test_id("admin")

        async def say(text: str) -> None:
            await page.get_by_test_id("phone-input").fill(text)
            await page.get_by_test_id("phone-send").click()

        await say("/start")
        await phone.get_by_role("button", name="📝 Daftar").last.click()
        await phone.get_by_role("button", name="✅ Saya setuju").last.click()
        await say("Siti <b>Aminah</b>")
        await expect(phone.locator(".msg.me").last).to_have_text(
            "Siti <b>Aminah</b>"
        )  # shown as typed
        await say("Siti Aminah")
        await say("180407")
        await expect(phone.locator(".msg.bot").nth(-2)).to_contain_text("NIK harus 16 angka")
        await say("1804074107900002")
        await phone.get_by_role("button", name="Dusun II Sidorejo").last.click()
        await say("003/005")
        await phone.get_by_role("button", name="📱 Kirim nomor saya").last.click()
        await expect(phone.locator(".msg.bot").last).to_contain_text("+62 812-3456-7890")
        await phone.get_by_role("button", name="✅ Simpan").last.click()
        await expect(phone.locator(".msg.bot").last).to_contain_text("terdaftar")

        # The outbox worker delivers the card to the officials' chat.
        await expect(admin.locator(".msg.bot").last).to_contain_text(
            "1804**********02", timeout=10_000
        )
        await admin.get_by_role("button", name="✅ Verifikasi").last.click()
        await expect(admin.locator(".msg.bot").last).to_contain_text("Pak Sekdes")
        await expect(phone.locator(".msg.bot").last).to_contain_text(
            "memverifikasi", timeout=10_000
        )

        # A complaint: category, text, a photo, the phone's location, send.
        await phone.get_by_role("button", name="📢 Pengaduan").last.click()
        await phone.get_by_role("button", name="Jalan & Jembatan").last.click()
        await say("Jalan di depan SD berlubang besar dan berbahaya")
        await page.get_by_test_id("phone-photo").click()
        await phone.get_by_role("button", name="✅ Selesai kirim foto").last.click()
        await phone.get_by_role("button", name="📍 Kirim lokasi").last.click()
        await phone.get_by_role("button", name="✅ Kirim").last.click()
        await expect(phone.locator(".msg.bot").last).to_contain_text("ADU-")
        card = admin.locator(".msg.bot", has_text="Jalan di depan SD")
        await expect(card).to_contain_text("📷", timeout=10_000)
        await card.get_by_role("button", name="🛠️ Proses").click()
        await expect(admin.locator(".msg.bot", has_text="Jalan di depan SD")).to_contain_text(
            "Diproses"
        )
        await expect(phone.locator(".msg.bot").last).to_contain_text("Diproses", timeout=10_000)

        # A letter: typed name, two document photos (one as a file), purpose, send; the
        # officials approve and send the signed file back from the admin pane.
        await say("surat domisili")
        await page.get_by_test_id("phone-photo").click()
        await page.get_by_test_id("phone-document").click()
        await phone.get_by_role("button", name="Melamar pekerjaan").last.click()
        await phone.get_by_role("button", name="📄 File lewat chat").last.click()
        await expect(phone.locator(".msg.bot").last).to_contain_text("SRT-")
        letter = admin.locator(".msg.bot", has_text="Surat Keterangan Domisili")
        await expect(letter).to_contain_text("Sedang diperiksa", timeout=10_000)
        await letter.get_by_role("button", name="✅ Setujui").click()
        letter = admin.locator(".msg.bot", has_text="Surat Keterangan Domisili")
        await expect(letter).to_contain_text("Menunggu tanda tangan")
        await letter.get_by_role("button", name="📄 Kirim surat").click()
        await expect(admin.locator(".msg.bot").last).to_contain_text("PDF")
        await page.get_by_test_id("admin-document").click()
        await expect(phone.locator(".msg.bot").last).to_contain_text(
            "ditandatangani", timeout=10_000
        )
        await expect(phone.locator(".msg.bot").last).to_contain_text("📄")
        await page.screenshot(path=str(tmp_path / "simulator.png"), full_page=True)
        await browser.close()
