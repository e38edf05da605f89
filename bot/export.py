"""`balai export complaints|letters`: a village's records as CSV, for its own files."""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime, time
from pathlib import Path

from bot.app import build_core, catalog
from bot.errors import SetupError
from bot.settings import Settings
from flows.cases.export import export_rows


def exports() -> list[str]:
    """What can be exported: the capabilities' contributions, by name."""
    return sorted(catalog().exports)


class _NoOfficials:
    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return False


async def export_records(
    settings: Settings, what: str, village_code: str, since: str | None, out: Path | None
) -> int:
    export = catalog().exports[what]
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
        companion = export.companion if out is not None else None
        async with core.sessions() as session:
            rows = await export_rows(core.services, session, export, village_code, since_at)
            more = (
                await companion.rows(core.services, session, village_code, since_at)
                if companion is not None
                else []
            )
    finally:
        await core.close()
    if out is not None and companion is not None:
        beside = out.with_name(f"{out.stem}-{companion.suffix}{out.suffix or '.csv'}")
        with beside.open("w", newline="", encoding="utf-8") as extra:
            extra_writer = csv.DictWriter(extra, fieldnames=companion.columns)
            extra_writer.writeheader()
            extra_writer.writerows(more)
        print(f"{len(more)} row(s) written to {beside}", file=sys.stderr)
    elif export.companion is not None:
        print(
            f"Give --out FILE to have the {export.companion.suffix} list written beside it.",
            file=sys.stderr,
        )
    handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=export.columns)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if out:
            handle.close()
    if out:
        print(f"{len(rows)} {export.noun}(s) written to {out}", file=sys.stderr)
    return 0
