"""✅ Sudah saya baca under a Penting or Darurat announcement: noted once per resident."""

from __future__ import annotations

from flows.engine.context import Ctx
from flows.engine.types import Reply
from storage import resident_announcements
from storage.models import Citizen
from storage.resident_announcements import Read


async def read(ctx: Ctx, citizen: Citizen, value: str) -> list[Reply]:
    """Note the read once; a second tap says so; a non-recipient is thanked, nothing kept."""
    if not (value.isascii() and value.isdigit()):
        return [Reply(ctx._("✅ Thank you for reading it."))]
    found = await resident_announcements.mark_read(ctx.session, int(value), citizen.id, ctx.now())
    if found is Read.NOTED:
        return [Reply(ctx._("✅ Thank you. We noted that you read this announcement."))]
    if found is Read.ALREADY:
        return [Reply(ctx._("You already told us you read this announcement; it is noted."))]
    return [Reply(ctx._("✅ Thank you for reading it."))]
