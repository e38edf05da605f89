"""The web simulator in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from bot.demo import serve_demo
from flows.engine.types import Reply
from handlers.simulator.hub import Hub
from tests.conftest import EXAMPLE, settings_for
from tests.handlers.test_simulator_whatsapp import many_dusun
from tests.helpers import InstantClock, serve_simulator

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

# Symbols that need an emoji font (pictographs, dingbats, arrows with a variation selector).
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\ufe0f]")


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
    async for address in _demo(db_url, EXAMPLE):
        yield address


@pytest.fixture
async def many_dusun_simulator(db_url, tmp_path: Path):
    """The demo for a village of twelve dusun: more than a WhatsApp list holds."""
    async for address in _demo(db_url, many_dusun(tmp_path)):
        yield address


async def _demo(db_url: str, config: Path) -> AsyncIterator[str]:
    port = free_port()
    stop = asyncio.Event()
    pacing = InstantClock()  # the outbox's pacing decides as always but does not wait
    task = asyncio.create_task(
        serve_demo(
            settings_for(db_url, config), port, stop, monotonic=pacing.now, sleep=pacing.sleep
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

        await expect(page.get_by_test_id("hint")).to_have_text("Pilih warga, lalu ketik /start.")
        await say("/start")
        await phone.get_by_role("button", name="📝 Daftar").last.click()
        await phone.get_by_role("button", name="✅ Saya setuju").last.click()
        await say("Siti <b>Aminah</b>")
        await expect(phone.locator(".msg.me").last).to_have_text(
            "Siti <b>Aminah</b>"
        )  # shown as typed
        await say("Siti Aminah")
        await say("180407")
        # One message: the reason above the question, with its buttons.
        await expect(phone.locator(".msg.bot").last).to_contain_text("NIK harus 16 angka")
        await expect(phone.locator(".msg.bot").last).to_contain_text("Langkah 3 dari 6")
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
        # The officials are the example village's contacts: its Sekdes verifies.
        await page.get_by_test_id("official").select_option(label="Ibu Wahyuni (Sekretaris Desa)")
        await admin.get_by_role("button", name="✅ Verifikasi").last.click()
        await expect(admin.locator(".msg.bot").last).to_contain_text("Ibu Wahyuni")
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


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        yield launched
        await launched.close()


async def _state(page: Page) -> dict[str, Any]:
    response = await page.request.get(f"{page.url.rstrip('/')}/api/state")
    assert response.ok
    state: dict[str, Any] = await response.json()
    return state


async def _within(page: Page, test_id: str, outer: str) -> None:
    """The element is wholly inside the window and inside the pane `outer`."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    box = await page.get_by_test_id(test_id).bounding_box()
    pane = await page.get_by_test_id(outer).bounding_box()
    assert box is not None and pane is not None, f"{test_id} is not shown"
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    assert box["x"] >= 0 and right <= width and box["y"] >= 0 and bottom <= height, (
        f"{test_id} at {box} is outside the {width}x{height} window"
    )
    assert pane["x"] <= box["x"] and right <= pane["x"] + pane["width"], (
        f"{test_id} at {box} spills out of {outer} at {pane}"
    )


async def _no_sideways_scroll(page: Page) -> None:
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"the page scrolls sideways: {scroll} px wide in {client} px"


@pytest.mark.parametrize(("width", "height"), [(320, 640), (390, 844), (1366, 900)])
async def test_send_buttons_stay_on_screen_at_phone_and_laptop_widths(
    simulator, browser, tmp_path: Path, width: int, height: int
):
    """Regression: at 1366 px Kirim spilled out of the phone pane; at 390 px the page
    scrolled sideways with Kirim off-screen. A phone shows one pane at a time."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(simulator)
    await expect(page.get_by_test_id("phone-send")).to_have_text("Kirim")
    narrow = width < 760
    phone, admin = page.get_by_test_id("phone"), page.get_by_test_id("admin")
    await expect(page.get_by_test_id("admin-tab")).to_be_visible(visible=narrow)
    await expect(admin).to_be_visible(visible=not narrow)
    await _within(page, "phone-send", "phone")
    await _within(page, "phone-photo", "phone")
    await _no_sideways_scroll(page)

    # A long unbroken word and a menu with buttons do not widen the page either.
    await page.get_by_test_id("phone-input").fill("/start")
    await page.get_by_test_id("phone-send").click()
    await page.get_by_test_id("phone-input").fill("x" * 300)
    await page.get_by_test_id("phone-send").click()
    await expect(phone.locator(".msg.me", has_text="xxxx")).to_be_visible()
    await expect(phone.locator(".msg.bot").first).to_be_visible()
    await _no_sideways_scroll(page)
    await _within(page, "phone-send", "phone")
    await page.screenshot(path=str(tmp_path / f"phone-{width}.png"))

    if narrow:
        await page.get_by_test_id("admin-tab").click()
        await expect(admin).to_be_visible()
        await expect(phone).to_be_hidden()
    await _within(page, "admin-send", "admin")
    await _within(page, "admin-photo", "admin")
    await _within(page, "admin-document", "admin")
    await _within(page, "official", "admin")
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(tmp_path / f"admin-{width}.png"))


async def test_phone_width_counts_what_arrives_in_the_hidden_pane(simulator, browser):
    """On a phone one pane shows at a time: what arrives in the other is counted on its tab
    until it is opened, so a card for the officials is not missed."""
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(simulator)
    await expect(page.get_by_test_id("phone")).to_be_visible()
    state = await _state(page)
    sekdes = next(p for p in state["officials"] if p["role"] == "Sekretaris Desa")
    chat = state["villages"][0]["admin_chat"]
    message = {"persona": sekdes["id"], "chat": chat, "text": "/bantuan"}
    response = await page.request.post(f"{simulator}/api/send", data=message)
    assert response.ok
    badge = page.get_by_test_id("admin-tab").locator(".badge")
    await expect(badge).to_have_text("2")  # the official's command and Balai's answer
    await page.get_by_test_id("admin-tab").click()
    await expect(badge).to_be_hidden()
    await expect(page.get_by_test_id("admin").locator(".msg.me")).to_have_text(
        re.compile("Ibu Wahyuni.*/bantuan", re.S)
    )


async def test_quick_messages_show_each_bubble_once(simulator, browser):
    """Regression: after many quick messages some bubbles showed twice (two fetches from
    the same starting point) until a reload."""
    page = await browser.new_page()
    fetches: list[asyncio.Future[None]] = []

    async def weak_signal(route: Route) -> None:
        # Each fetch of new messages takes a while, as on a village phone's signal, so a
        # fetch is still under way when the next message is sent.
        done = asyncio.get_running_loop().create_future()
        fetches.append(done)
        response = await route.fetch()
        await asyncio.sleep(0.3)
        await route.fulfill(response=response)
        done.set_result(None)

    await page.route("**/api/messages?*", weak_signal)
    await page.goto(simulator)
    phone = page.get_by_test_id("phone")
    box = page.get_by_test_id("phone-input")
    await expect(page.get_by_test_id("phone-send")).to_have_text("Kirim")
    sent = [f"pesan nomor {n}" for n in range(1, 9)]
    for text in sent:  # as fast as the page takes them, not waiting for answers
        await box.fill(text)
        await box.press("Enter")
    await box.fill("/start")
    await box.press("Enter")
    mine = phone.locator(".msg.me")
    await expect(mine).to_have_count(len(sent) + 1)
    await expect(phone.locator(".msg.me:has-text('/start') ~ .msg.bot").first).to_be_visible()
    # Every fetch begun so far has answered, and the page has handled it.
    await asyncio.wait_for(asyncio.gather(*fetches), 10)
    await page.evaluate("() => new Promise((done) => setTimeout(done, 0))")
    shown = await mine.locator(".text").all_text_contents()
    assert sorted(shown) == sorted([*sent, "/start"])
    ids = await phone.locator(".msg").evaluate_all("nodes => nodes.map(n => n.dataset.id)")
    assert len(ids) == len(set(ids)), f"a message shows twice: {sorted(ids)}"


async def test_guest_bubble_keeps_its_name_after_switching_back(simulator, browser):
    """Regression: after pressing as "Tamu" and switching back to an official, Tamu's
    bubble showed no name until a reload."""
    page = await browser.new_page()
    await page.goto(simulator)
    admin = page.get_by_test_id("admin")
    official = page.get_by_test_id("official")
    await expect(official).to_contain_text("Ibu Wahyuni (Sekretaris Desa)")
    await official.select_option(label="Tamu (bukan petugas)")
    await page.get_by_test_id("admin-input").fill("/bantuan")
    await page.get_by_test_id("admin-send").click()
    await expect(admin.locator(".msg.bot").last).to_contain_text("hanya untuk petugas")
    await official.select_option(label="Ibu Wahyuni (Sekretaris Desa)")
    await page.get_by_test_id("admin-input").fill("/antrian")
    await page.get_by_test_id("admin-send").click()
    mine = admin.locator(".msg.me")
    await expect(mine).to_have_count(2)
    await expect(mine.nth(0).locator(".who")).to_have_text("Tamu (bukan petugas)")
    await expect(mine.nth(1).locator(".who")).to_have_text("Ibu Wahyuni")


async def test_first_page_says_what_to_do_without_emoji_font_or_missing_files(simulator, browser):
    """Regression: the first page gave no hint; 📷 🎤 📎 and the pane icons were blank boxes
    in a browser without an emoji font; the favicon was a 404."""
    page = await browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(simulator)
    await expect(page.get_by_test_id("hint")).to_have_text("Pilih warga, lalu ketik /start.")
    await expect(page.get_by_test_id("admin-chat")).to_be_empty()
    admin_empty = await page.get_by_test_id("admin-chat").evaluate(
        "n => getComputedStyle(n, '::before').content"
    )
    assert "cukup ketik di sini" in admin_empty  # where an official answers Balai's prompts
    buttons = {
        "phone-photo": ("Foto", "foto contoh"),
        "phone-voice": ("Pesan suara", "pesan suara contoh"),
        "phone-document": ("File", "file PDF contoh"),
        "admin-photo": ("Foto", "foto contoh"),
        "admin-document": ("File", "file PDF contoh"),
    }
    for test_id, (text, title) in buttons.items():
        await expect(page.get_by_test_id(test_id)).to_have_text(text)
        await expect(page.get_by_test_id(test_id)).to_have_attribute("title", re.compile(title))
    # Page text carries no emoji: nothing there depends on a font the machine may lack.
    chrome = await page.locator("header, .pane-head, .composer").all_inner_texts()
    assert not [t for t in chrome if EMOJI.search(t)], chrome
    # The page names its icon, so the browser does not ask for a missing /favicon.ico.
    icon = await page.evaluate(
        """async () => {
            const link = document.querySelector("link[rel~='icon']");
            if (!link) return null;
            const response = await fetch(link.href);
            return [response.ok, response.headers.get("content-type")];
        }"""
    )
    assert icon == [True, "image/svg+xml"]
    await page.wait_for_load_state("networkidle")
    assert errors == []


async def test_history_on_opening_the_page_is_not_counted_as_unseen(simulator, browser):
    """Regression: a fresh page at phone width showed "23" on the officials' tab, counting
    the chat's history as new messages."""
    first = await browser.new_page(viewport={"width": 1366, "height": 900})
    await first.goto(simulator)
    state = await _state(first)
    sekdes = next(p for p in state["officials"] if p["role"] == "Sekretaris Desa")
    chat = state["villages"][0]["admin_chat"]
    message = {"persona": sekdes["id"], "chat": chat, "text": "/bantuan"}
    assert (await first.request.post(f"{simulator}/api/send", data=message)).ok
    await expect(first.get_by_test_id("admin").locator(".msg")).to_have_count(2)
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await phone.goto(simulator)
    await expect(phone.get_by_test_id("admin").locator(".msg")).to_have_count(2)
    await expect(phone.get_by_test_id("admin-tab").locator(".badge")).to_be_hidden()
    assert (await phone.request.post(f"{simulator}/api/send", data=message)).ok
    await expect(phone.get_by_test_id("admin-tab").locator(".badge")).to_have_text("2")


async def test_a_card_edited_twice_between_two_fetches_shows_once(one_village_core, browser):
    """Regression: an official's press edits the card at once and the outbox edits it
    again a moment later; when both happened between two fetches of the page, the page
    knew neither the first edit's id nor the card's, so it kept the old card and added
    the new one below it."""
    hub = Hub()
    runners: list[web.AppRunner] = []
    try:
        simulator_page = await serve_simulator(one_village_core, hub, "id", runners)
        chat = one_village_core.services.villages.all()[0].admin_chat_id
        card = hub.bot_reply(chat, Reply("📢 ADU-TEST · Status: Baru"))
        page = await browser.new_page()
        held: list[Route] = []
        holding = True

        async def fetches(route: Route) -> None:
            if holding and f"chat={chat}" in route.request.url:
                held.append(route)
            else:
                await route.continue_()

        await page.goto(simulator_page)
        admin = page.get_by_test_id("admin")
        await expect(admin.locator(".msg.bot")).to_have_text(["📢 ADU-TEST · Status: Baru"])
        await page.route("**/api/messages?*", fetches)
        await hub.edit(chat, str(card.id), Reply("📢 ADU-TEST · Status: Diproses"))
        await hub.edit(chat, str(card.id), Reply("📢 ADU-TEST · Status: Diproses (dicatat)"))
        holding = False
        for route in held:
            await route.continue_()
        await expect(admin.locator(".msg.bot")).to_have_text(
            [re.compile(r"^📢 ADU-TEST · Status: Diproses \(dicatat\)")]
        )
    finally:
        for runner in runners:
            await runner.cleanup()


async def test_whatsapp_phone_registers_through_buttons_and_list_pages(
    many_dusun_simulator, browser, tmp_path: Path
):
    """Switched to WhatsApp, the resident's phone shows what the WhatsApp renderer sends:
    reply buttons under a bubble, a "Pilih" button opening a sheet of rows, a "Lainnya"
    row paging through twelve dusun, the number typed; the officials' card still comes to
    their (Telegram) group, and their verification back to the resident on WhatsApp."""
    page = await browser.new_page()
    await page.goto(many_dusun_simulator)
    phone, admin = page.get_by_test_id("phone"), page.get_by_test_id("admin")
    sheet = page.get_by_test_id("wa-sheet")

    async def say(text: str) -> None:
        await page.get_by_test_id("phone-input").fill(text)
        await page.get_by_test_id("phone-send").click()

    async def pick(row: str | re.Pattern[str]) -> None:
        await phone.locator(".msg.bot").last.get_by_role("button", name="Pilih").click()
        await expect(sheet).to_be_visible()
        await sheet.get_by_role("button", name=row, exact=True).click()
        await expect(sheet).to_be_hidden()

    await expect(page.get_by_test_id("app")).to_contain_text("WhatsApp")
    await page.get_by_test_id("app").select_option(label="WhatsApp")
    await say("/start")
    await pick("📝 Daftar")
    await expect(phone.locator(".msg.me").last).to_have_text("📝 Daftar")
    await phone.locator(".msg.bot").last.get_by_role("button", name="✅ Saya setuju").click()
    await say("Siti Aminah")
    await say("1804074107900002")
    await phone.locator(".msg.bot").last.get_by_role("button", name="Pilih").click()
    rows = sheet.locator(".wa-row")
    await expect(rows).to_have_count(10)
    await expect(sheet.get_by_role("button", name="Dusun 12 Sukamaju")).to_have_count(0)
    await sheet.get_by_role("button", name=re.compile("Lainnya")).click()
    # The next page comes as a new list message, answering the press.
    await expect(phone.locator(".msg.me").last).to_contain_text("Lainnya (2/2)")
    await expect(phone.locator(".msg").last).to_have_class(re.compile("bot"))
    await pick("Dusun 12 Sukamaju")
    await say("003/005")
    # No share button on WhatsApp: the number is typed.
    await expect(phone.locator(".msg.bot").last).to_contain_text("ketik nomor HP Anda")
    await expect(phone.get_by_role("button", name="📱 Kirim nomor saya")).to_have_count(0)
    await say("0812 3456 7890")
    await expect(phone.locator(".msg.bot").last).to_contain_text("Dusun 12 Sukamaju")
    await pick("✅ Simpan")
    await expect(phone.locator(".msg.bot").last).to_contain_text("terdaftar")
    await page.screenshot(path=str(tmp_path / "whatsapp.png"))

    # The officials stay on Telegram: their card, their buttons; the resident hears back
    # on WhatsApp through the outbox.
    card = admin.locator(".msg.bot", has_text="1804**********02")
    await expect(card).to_be_visible(timeout=10_000)
    await page.get_by_test_id("official").select_option(label="Ibu Wahyuni (Sekretaris Desa)")
    await card.get_by_role("button", name="✅ Verifikasi").click()
    await expect(phone.locator(".msg.bot").last).to_contain_text("memverifikasi", timeout=10_000)

    # Back on Telegram the same resident is someone else, who has not written yet.
    await page.get_by_test_id("app").select_option(label="Telegram")
    await expect(phone.locator(".msg")).to_have_count(0)
    await say("/start")
    await expect(phone.get_by_role("button", name="📝 Daftar")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [(320, 640), (1366, 900)])
async def test_whatsapp_list_sheet_fits_phone_and_laptop_widths(
    simulator, browser, tmp_path: Path, width: int, height: int
):
    """The sheet of a list's rows opens inside the phone pane, wholly on screen."""
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(simulator)
    phone = page.get_by_test_id("phone")
    await expect(page.get_by_test_id("app")).to_contain_text("WhatsApp")
    await page.get_by_test_id("app").select_option(label="WhatsApp")
    await expect(page.get_by_test_id("app-label")).to_have_text("Aplikasi:")
    await page.get_by_test_id("phone-input").fill("/start")
    await page.get_by_test_id("phone-send").click()
    await phone.locator(".msg.bot").last.get_by_role("button", name="Pilih").click()
    await expect(page.get_by_test_id("wa-sheet")).to_be_visible()
    await _within(page, "wa-sheet", "phone")
    await _within(page, "wa-sheet-close", "phone")
    await expect(page.get_by_test_id("wa-sheet-close")).to_have_text("Tutup")
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(tmp_path / f"whatsapp-sheet-{width}.png"))
    await page.get_by_test_id("wa-sheet-close").click()
    await expect(page.get_by_test_id("wa-sheet")).to_be_hidden()
    await expect(phone.locator(".msg.me")).to_have_count(1)  # closing picks nothing
