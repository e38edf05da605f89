"""A listing's Telegram link (`t.me/<bot>?start=lapak_<code>`) over the real PTB channel."""

from __future__ import annotations

import aiohttp

from bot.app import build_core
from tests.conftest import settings_for
from tests.e2e.test_simulator_browser import free_port
from tests.flows.test_complaints import card_buttons, official, resident
from tests.flows.test_market import sell
from tests.handlers.fake_bot_api import BOT_USERNAME, FakeBotApi, TelegramUser
from tests.helpers import FakeOfficials


async def _live_listing(db_url: str, clock) -> str:
    """A live listing of Siti's, and Budi registered (on Telegram, as user 1002)."""
    officials = FakeOfficials()
    core = await build_core(settings_for(db_url), officials, admin_channel="telegram", clock=clock)
    try:
        code = await sell(await resident(core), photos=0)
        await official(core, officials).presses((await card_buttons(core, code))["✅ Tayangkan"])
        await resident(core, "1002", "Budi Santoso", "1804074107900003")
    finally:
        await core.close()
    return code


async def test_start_with_a_listing_payload_opens_it(bot_api: FakeBotApi, db_url, balai, clock):
    code = await _live_listing(db_url, clock)
    await balai()
    budi = TelegramUser(bot_api, 1002, "Budi")
    replies = await budi.says(f"/start lapak_{code}")
    assert "Kopi robusta bubuk" in replies[-1].text and "Rp25.000/kg" in replies[-1].text
    assert "1001" not in replies[-1].text
    newcomer = TelegramUser(bot_api, 1003, "Rina")
    replies = await newcomer.says(f"/start lapak_{code}")
    assert "daftar dulu" in replies[-1].text and "Kopi" not in replies[-1].text
    assert any("Daftar" in b["text"] for b in replies[-1].buttons())


async def test_polling_balai_serves_the_catalogue_with_the_bots_deep_link(
    bot_api: FakeBotApi, db_url, balai, clock
):
    code = await _live_listing(db_url, clock)
    port = free_port()
    await balai(BALAI_PUBLIC_URL="https://balai.desa.id", BALAI_WEBHOOK_PORT=str(port))
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/lapak/18.04.07.2001/{code}") as response,
    ):
        assert response.status == 200
        page = await response.text()
    assert "Kopi robusta bubuk" in page
    assert f'href="https://t.me/{BOT_USERNAME}?start=lapak_{code}"' in page
    assert "wa.me" not in page  # WhatsApp is not configured
