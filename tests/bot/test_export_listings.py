"""`balai export listings`: the village's market as CSV, without phone numbers."""

from __future__ import annotations

import asyncio
import csv

from tests.bot.test_setup import balai
from tests.conftest import TWO_VILLAGES
from tests.flows.test_complaints import card_buttons, official, resident
from tests.flows.test_market import sell


async def test_export_listings_has_status_price_and_no_numbers(core, officials, db_url, tmp_path):
    siti = await resident(core)
    live = await sell(siti)
    waiting = await sell(siti, photos=0, price="nego")
    await official(core, officials).presses((await card_buttons(core, live))["✅ Tayangkan"])
    out = tmp_path / "lapak.csv"
    result = await asyncio.to_thread(
        balai,
        "export",
        "listings",
        "--village",
        "18.04.07.2001",
        "--out",
        str(out),
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 0, result.stderr
    rows = {row["code"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {live, waiting}
    assert rows[live]["status"] == "Tayang" and rows[live]["price"] == "25000"
    assert rows[live]["unit"] == "kg" and rows[live]["approved"]
    assert rows[waiting]["status"] == "Menunggu persetujuan" and rows[waiting]["price"] == ""
    content = out.read_text(encoding="utf-8")
    for personal in ("+62", "0812", "1804074107900002"):
        assert personal not in content
