"""Lapak saya: the seller's listings with status and views; sold, reserved, withdraw, renew."""

from __future__ import annotations

from datetime import timedelta

from flows.cases.lifecycle import Refused, change_status
from flows.common.formatting import village_time
from flows.engine.context import Ctx
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Reply, rows
from flows.market import desk, live, sell
from flows.market.card import (
    EXPIRED,
    FIX,
    LISTING,
    LIVE,
    PENDING,
    RESERVED,
    SOLD,
    WITHDRAWN,
    ListingData,
    listing_lines,
    listing_media,
    price_text,
)
from storage import cases, listings
from storage.models import Case, Citizen

SHOWN_MAX = 10
# What the seller may do, by the status the listing is in: action -> (to status, event).
SELLER_MOVES = {
    "sold": (SOLD, "sold", frozenset({LIVE, RESERVED})),
    "reserved": (RESERVED, "reserved", frozenset({LIVE})),
    "free": (LIVE, "edited", frozenset({RESERVED})),
    "withdraw": (WITHDRAWN, "withdrawn", frozenset({PENDING, FIX, LIVE, RESERVED})),
    "renew": (LIVE, "renewed", frozenset({LIVE, RESERVED, EXPIRED})),
}


async def my_listings(ctx: Ctx) -> list[Reply]:
    """Each of the seller's listings with its status and views."""
    if ctx.citizen is None:
        return await sell.start_sell(ctx)
    found = await listings.of_seller(ctx.session, ctx.citizen.id)
    if not found:
        text = ctx._("You have no listings in Lapak Desa yet.")
        button = Button(ctx._("🛍️ Sell"), "menu:sell")
        return [
            Reply(text, ((button,), (Button(ctx._("🏠 Main menu"), "menu:menu"),)), Expect.CHOICE)
        ]
    lines, buttons = [ctx._("📦 My listings"), ""], []
    for listing in found[:SHOWN_MAX]:
        status = ctx._(LISTING.labels.get(listing.status, listing.status))
        price = price_text(ctx._, listing.price, listing.unit)
        views = ctx._("{n} views").format(n=listing.views)
        lines.append(f"• {listing.code} · {listing.name} · {price} · {status} · {views}")
        buttons.append(Button(f"🔎 {listing.code}", f"lapak:view:{listing.case_id}"))
    buttons.append(Button(ctx._("🏠 Main menu"), "menu:menu"))
    return [Reply("\n".join(lines), rows(*buttons, per_row=2), Expect.CHOICE)]


async def _own(ctx: Ctx, case_id: str) -> Case | None:
    if not case_id.isascii() or not case_id.isdigit() or ctx.citizen is None:
        return None
    case = await cases.by_id(ctx.session, int(case_id))
    if case is None or case.kind != LISTING.name or case.citizen_id != ctx.citizen.id:
        return None
    return case


async def view(ctx: Ctx, case: Case, note: str = "") -> list[Reply]:
    """One listing with what its seller can do with it now."""
    data = ListingData.of(case)
    village = ctx.village
    lines = [f"{case.code} · {ctx._(LISTING.labels[case.status])}"]
    if village is not None:
        lines += listing_lines(ctx._, village, data)
    listing = await listings.by_case(ctx.session, case.id)
    shown = case.status in (LIVE, RESERVED)
    if shown and listing is not None and listing.expires_at is not None and village is not None:
        until = village_time(listing.expires_at, village, ctx.locale)
        lines.append(ctx._("Live until {when}").format(when=until))
    labels = {
        "sold": ctx._("✅ Sold"),
        "reserved": ctx._("🤝 Reserved"),
        "free": ctx._("🔓 Available again"),
        "withdraw": ctx._("🗑️ Withdraw"),
        "renew": ctx._("🔁 Renew"),
    }
    buttons = [
        Button(labels[move], f"lapak:{move}:{case.id}:{case.version}")
        for move, (_to, _event, allowed) in SELLER_MOVES.items()
        if case.status in allowed
    ]
    if case.status == FIX:
        buttons.insert(0, Button(ctx._("✏️ Correct now"), f"lapak:fix:{case.id}"))
    elif case.status in (PENDING, LIVE, RESERVED):
        buttons.insert(0, Button(ctx._("✏️ Change"), f"lapak:edit:{case.id}"))
    buttons.append(Button(ctx._("📦 My listings"), "menu:my_listings"))
    text = "\n".join(lines)
    reply = Reply(text, rows(*buttons, per_row=2), Expect.CHOICE, media=listing_media(data))
    return [reply.noted(note)]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """The seller's buttons: view, correct, sold, reserved, withdraw, renew."""
    action, _sep, rest = value.partition(":")
    case_id, _sep, version = rest.partition(":")
    case = await _own(ctx, case_id)
    if case is None:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    if action == "view":
        return await view(ctx, case)
    if action == "fix":
        return await sell.start_fix(ctx, case.id)
    if action == "edit":
        return await sell.start_edit(ctx, case.id)
    move = SELLER_MOVES.get(action)
    if move is None or not version.isdigit():
        return await view(ctx, case)
    to_status, event, allowed = move
    if case.status not in allowed or int(version) != case.version:
        return await view(ctx, case, ctx._("This listing has changed meanwhile. Here it is now:"))
    village = ctx.village
    days = village.listing_days if village is not None else 0
    changed = await change_status(
        ctx,
        LISTING,
        case,
        seen_version=case.version,
        to_status=to_status,
        actor="citizen",
        action=event,
    )
    if isinstance(changed, Refused):
        return await view(ctx, changed.case, changed.message)
    extra: dict[str, object] = {}
    if event == "renewed":
        extra = {"expires_at": ctx.now() + timedelta(days=days), "renewal_asked_at": None}
    if to_status == SOLD:
        extra["sold_at"] = ctx.now()
    await live.sync(ctx, changed, **extra)
    await desk.DESK.refresh(ctx, changed)
    notes = {
        "sold": ctx._("Marked sold. Congratulations!"),
        "reserved": ctx._("Marked reserved. Buyers see it is reserved."),
        "free": ctx._("Available again for buyers."),
        "withdraw": ctx._("Withdrawn. Buyers no longer see it."),
        "renew": ctx._("Renewed. It stays live for another {n} days."),
    }
    return await view(ctx, changed, notes[action].format(n=days))


async def withdraw_all(ctx: Ctx, citizen: Citizen) -> None:
    """A seller deleted their data: their listings leave the market, their number with them."""
    for listing in await listings.of_seller(ctx.session, citizen.id):
        case = await cases.by_id(ctx.session, listing.case_id)
        if case is None:
            continue
        if case.status in SELLER_MOVES["withdraw"][2]:
            changed = await change_status(
                ctx,
                LISTING,
                case,
                seen_version=case.version,
                to_status=WITHDRAWN,
                actor="citizen",
                action="withdrawn",
            )
            case = changed.case if isinstance(changed, Refused) else changed
            await desk.DESK.refresh(ctx, case)
        data = ListingData.of(case)
        data.whatsapp = None
        await cases.set_if_unchanged(
            ctx.session, case.id, case.version, {"data": data.to_json(case.data)}
        )
        await ctx.session.refresh(case)
        await live.sync(ctx, case)
