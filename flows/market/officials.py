"""/lapak in the admin chat: how the village's market stands, and its newest listings."""

from __future__ import annotations

from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.types import Reply
from flows.market.card import LISTING, LIVE, PENDING, RESERVED, SOLD, price_text
from storage import listings

NEWEST = 5


async def market_overview(ctx: Ctx) -> list[Reply]:
    """Counts (live, waiting, sold this month) and the newest listings."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if village is None:
        return []
    found = await listings.in_village(ctx.session, ctx.services.village_ids[village.code])
    now = ctx.now().astimezone(village.zone)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    live = sum(1 for x in found if x.status in (LIVE, RESERVED))
    waiting = sum(1 for x in found if x.status == PENDING)
    sold = sum(1 for x in found if x.status == SOLD and x.sold_at and x.sold_at >= month_start)
    lines = [
        _(
            "🛒 Lapak Desa: {live} live, {waiting} waiting for approval, {sold} sold this month."
        ).format(live=live, waiting=waiting, sold=sold),
    ]
    if found:
        lines += ["", _("Newest:")]
        for x in found[:NEWEST]:
            status = _(LISTING.labels.get(x.status, x.status))
            lines.append(f"• {x.code} · {x.name} · {price_text(_, x.price, x.unit)} · {status}")
    return [Reply("\n".join(lines))]
