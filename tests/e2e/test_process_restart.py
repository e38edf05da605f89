"""`balai run` as a real process: killed mid-registration, started again, carries on."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.handlers.fake_bot_api import FakeBotApi, TelegramUser
from tests.workers import start_polling

FEMALE_NIK = "1804074107900002"


async def start_balai(api: FakeBotApi, tmp_path: Path) -> asyncio.subprocess.Process:
    process = await start_polling(api, tmp_path)
    api.calls.clear()
    return process


async def test_balai_run_survives_a_kill_mid_registration(tmp_path):
    api = FakeBotApi()
    await api.start()
    try:
        process = await start_balai(api, tmp_path)
        siti = TelegramUser(api, 1001, "Siti")
        await siti.says("/start")
        await siti.taps("Daftar")  # by button, as a person would
        await siti.taps("Saya setuju")
        await siti.says("sukamaju")  # typed this time
        await siti.says("Siti Aminah")
        replies = await siti.says("1804")  # wrong NIK first
        assert "NIK harus 16 angka" in replies[0].text
        process.send_signal(signal.SIGKILL)  # no chance to tidy up
        await process.wait()

        process = await start_balai(api, tmp_path)
        replies = await siti.says(FEMALE_NIK)
        assert "Langkah 5 dari 7" in replies[-1].text
        await siti.taps("Krajan")
        await siti.says("3/5")
        await siti.shares_contact("6281234567890")
        await siti.taps("Simpan")
        assert "terdaftar" in siti.last_text()
        await siti.taps("Info Desa")
        assert "08.00 - 15.00" in siti.last_text()

        process.send_signal(signal.SIGTERM)  # a clean stop ends with exit code 0
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
        await api.stop()
