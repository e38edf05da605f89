"""`balai export broadcasts`: counts per announcement, dusun and app; beside it the residents
not reached, for officials to visit (no NIK, phone masked)."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime

from storage.models import Announcement, AnnouncementDelivery, ChannelIdentity, Citizen
from tests.bot.test_setup import balai
from tests.conftest import TWO_VILLAGES
from tests.flows.test_announce_compose import compose, village_of_residents
from tests.flows.test_complaints import official
from tests.helpers import rows


async def delivered(core, statuses: dict[str, str]) -> None:
    """Stand-in for the sender's dispatcher: one delivery per resident, in the given state."""
    [made] = await rows(core, Announcement)
    people = {i.citizen_id: i for i in await rows(core, ChannelIdentity) if i.citizen_id}
    async with core.sessions() as session, session.begin():
        for citizen in await rows(core, Citizen):
            identity = people[citizen.id]
            session.add(
                AnnouncementDelivery(
                    announcement_id=made.id,
                    citizen_id=citizen.id,
                    village_id=citizen.village_id,
                    channel=identity.channel,
                    chat_id=identity.external_id,
                    dusun=citizen.dusun or "",
                    status=statuses.get(identity.external_id, "sent"),
                    read_at=datetime.now(UTC) if identity.external_id == "1001" else None,
                )
            )


async def test_export_broadcasts_counts_and_who_was_not_reached(core, officials, db_url, tmp_path):
    await village_of_residents(core)
    sekdes = official(core, officials)
    await compose(sekdes, "Banjir: mengungsi ke balai desa.")
    await sekdes.taps("Kirim")
    await delivered(core, {"wa-2": "unreachable", "1004": "queued", "wa-1": "held"})
    out = tmp_path / "pengumuman.csv"
    result = await asyncio.to_thread(
        balai,
        "export",
        "broadcasts",
        "--village",
        "18.04.07.2001",
        "--out",
        str(out),
        BALAI_DATABASE_URL=db_url,
        BALAI_CONFIG=str(TWO_VILLAGES),
    )
    assert result.returncode == 0, result.stderr
    found = list(csv.DictReader(out.open(encoding="utf-8")))
    total = next(r for r in found if r["dusun"] == "" and r["channel"] == "")
    assert total["recipients"] == "4" and total["sent"] == "1" and total["waiting"] == "2"
    assert total["unreachable"] == "1" and total["read"] == "1"
    assert total["status"] == "Terjadwal" and total["kind"] == "Biasa"
    krajan = {r["channel"]: r for r in found if r["dusun"] == "Krajan"}
    assert krajan["telegram"]["sent"] == "1" and krajan["whatsapp"]["waiting"] == "1"
    missed = list(
        csv.DictReader((tmp_path / "pengumuman-tidak-terjangkau.csv").open(encoding="utf-8"))
    )
    assert [(m["dusun"], m["channel"], m["status"]) for m in missed] == [
        ("Krajan", "whatsapp", "belum: menunggu warga mengirim pesan ke Balai (WhatsApp)"),
        ("Sidorejo", "whatsapp", "tidak bisa dihubungi (memblokir bot atau keluar dari aplikasi)"),
    ]
    assert missed[1]["name"] == "Siti Aminah" and missed[1]["rt"] == "003"
    assert all("****" in m["phone"] for m in missed)
    content = out.read_text(encoding="utf-8") + str(missed)
    assert "18040741079" not in content  # no NIK
