"""`balai export complaints`: a village's complaints as CSV, for its own records."""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime, time
from pathlib import Path

from bot.app import build_core
from bot.errors import SetupError
from bot.settings import Settings
from flows.complaint_export import COLUMNS, complaint_rows


class _NoOfficials:
    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return False


async def export_complaints(
    settings: Settings, village_code: str, since: str | None, out: Path | None
) -> int:
    since_at = None
    if since is not None:
        try:
            since_at = datetime.combine(date.fromisoformat(since), time())
        except ValueError as exc:
            raise SetupError(f"--since must be a date like 2026-11-01; got {since!r}.") from exc
    core = await build_core(settings, _NoOfficials(), admin_channel="telegram")
    try:
        village = core.services.villages.by_code(village_code)
        if village is None:
            codes = ", ".join(v.code for v in core.services.villages)
            raise SetupError(f"--village {village_code!r} is not in the config ({codes}).")
        if since_at is not None:
            since_at = since_at.replace(tzinfo=village.zone)
        async with core.sessions() as session:
            rows = await complaint_rows(core.services, session, village_code, since_at)
    finally:
        await core.close()
    handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if out:
            handle.close()
    if out:
        print(f"{len(rows)} complaint(s) written to {out}", file=sys.stderr)
    return 0
