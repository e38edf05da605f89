"""`balai export complaints|letters`: a village's records as CSV, for its own files."""

from __future__ import annotations

import csv
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_core
from bot.errors import SetupError
from bot.settings import Settings
from flows.complaints import export as complaint_export
from flows.engine.context import Services
from flows.letters import export as letter_export

Rows = Callable[[Services, AsyncSession, str, datetime | None], Awaitable[list[dict[str, str]]]]
# What can be exported: its columns, its rows, and what one row is called.
EXPORTS: dict[str, tuple[tuple[str, ...], Rows, str]] = {
    "complaints": (complaint_export.COLUMNS, complaint_export.complaint_rows, "complaint"),
    "letters": (letter_export.COLUMNS, letter_export.letter_rows, "letter request"),
}


class _NoOfficials:
    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return False


async def export_records(
    settings: Settings, what: str, village_code: str, since: str | None, out: Path | None
) -> int:
    columns, make_rows, noun = EXPORTS[what]
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
            rows = await make_rows(core.services, session, village_code, since_at)
    finally:
        await core.close()
    handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if out:
            handle.close()
    if out:
        print(f"{len(rows)} {noun}(s) written to {out}", file=sys.stderr)
    return 0
