"""`balai export complaints`: the CSV a village keeps, without NIK or hidden names."""

from __future__ import annotations

import csv

from tests.bot.test_setup import balai
from tests.conftest import TWO_VILLAGES
from tests.flows.test_complaints import POTHOLE, card_buttons, official, report, resident
from tests.flows.test_letters import card_buttons as letter_buttons
from tests.flows.test_letters import domisili
from tests.flows.test_letters import official as letters_official
from tests.flows.test_letters import resident as letters_resident


async def test_export_has_the_cases_and_no_personal_numbers(core, officials, db_url, tmp_path):
    siti = await resident(core)
    open_code = await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    secret_code = await report(
        budi, "Ada pungli saat mengurus surat di kantor desa", secret=True, where=None
    )
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, open_code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal")

    out = tmp_path / "pengaduan.csv"
    result = balai(
        "export",
        "complaints",
        "--village",
        "18.04.07.2001",
        "--out",
        str(out),
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 0, result.stderr
    rows = {row["code"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {open_code, secret_code}
    assert rows[open_code]["text"] == POTHOLE
    assert (
        rows[open_code]["status"] == "Selesai" and rows[open_code]["resolution"] == "Sudah ditambal"
    )
    assert rows[open_code]["reporter"] == "Siti Aminah"
    assert rows[open_code]["location"] == "-5.2,105.6"
    assert rows[secret_code]["reporter"] == ""
    content = out.read_text(encoding="utf-8")
    for personal in ("1804074107900002", "1804070101900003", "+62", "Budi"):
        assert personal not in content


def test_export_names_a_wrong_village_code(db_url):
    result = balai(
        "export",
        "complaints",
        "--village",
        "99.99.99.9999",
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 2 and "18.04.07.2001" in result.stderr


def test_export_since_must_be_a_date(db_url):
    result = balai(
        "export",
        "complaints",
        "--village",
        "18.04.07.2001",
        "--since",
        "kemarin",
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 2 and "--since" in result.stderr


async def test_letters_export_has_types_dates_decisions_and_masked_nik(
    core, officials, db_url, tmp_path
):
    siti = await letters_resident(core)
    approved = await domisili(siti)
    cancelled = await domisili(siti)
    sekdes = letters_official(core, officials)
    await sekdes.presses((await letter_buttons(core, approved.code))["✅ Setujui"])
    await siti.presses(f"surat:cancel:{cancelled.id}")
    await siti.taps("Ya, batalkan")

    out = tmp_path / "surat.csv"
    result = balai(
        "export",
        "letters",
        "--village",
        "18.04.07.2001",
        "--since",
        "2026-11-22",
        "--out",
        str(out),
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 0, result.stderr
    assert "2 letter request(s)" in result.stderr
    rows = {row["code"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    first = rows[approved.code]
    assert first["type"] == "Surat Keterangan Domisili"
    assert first["status"] == "Menunggu tanda tangan"
    assert first["created"] == "22 November 2026 11.00 WIB"
    assert first["expected"] == "Senin, 23 November 2026"
    assert first["approved"] == "22 November 2026 11.00 WIB" and first["rejected"] == ""
    assert first["nik"] == "1804**********02" and first["dusun"] == "Krajan"
    assert first["rt_rw"] == "003/005" and first["handled_by"] == "Pak Sekdes"
    assert first["purpose"] == "Melamar pekerjaan"
    assert rows[cancelled.code]["status"] == "Dibatalkan"
    assert rows[cancelled.code]["cancelled"] and rows[cancelled.code]["closed"]
    assert "1804074107900002" not in out.read_text(encoding="utf-8")

    later = balai(
        "export",
        "letters",
        "--village",
        "18.04.07.2001",
        "--since",
        "2026-11-23",
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert later.returncode == 0 and later.stdout.splitlines()[0].startswith("code,type,")
    assert len(later.stdout.splitlines()) == 1  # the header only
