"""A village's cases of one kind as table rows, for its own records (`balai export`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.engine.catalog import Export
from flows.engine.context import Services
from storage import cases


async def export_rows(
    services: Services,
    session: AsyncSession,
    export: Export,
    village_code: str,
    since: datetime | None,
) -> list[dict[str, str]]:
    """One row per case of the village, oldest first, from `since` when given (or the rows
    an export makes itself)."""
    if export.rows is not None:
        return await export.rows(services, session, village_code, since)
    row = export.row
    if row is None:
        raise ValueError(f"export {export.name} makes no rows")
    village_id = services.village_ids[village_code]
    found = await cases.for_export(session, village_id, export.kind, since)
    return [await row(services, session, case) for case in found]
