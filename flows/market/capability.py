"""What Lapak Desa contributes to the catalogue: intents, flows, the desk, timer, export."""

from __future__ import annotations

from flows.common.text import N_
from flows.engine.catalog import AdminCommand, Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Reply, rows
from flows.market import (
    browse,
    contact,
    contact_relay,
    desk,
    expiry,
    export,
    links,
    mine,
    officials,
    report,
    report_desk,
    saved,
    sell,
)


async def market_menu(ctx: Ctx) -> list[Reply]:
    """🛒 Lapak Desa: sell, or the seller's own listings."""
    if ctx.citizen is None:
        reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="market")
    buttons = rows(
        Button(ctx._("🔎 Search"), "menu:find"),
        Button(ctx._("🗂️ Categories"), "menu:categories"),
        Button(ctx._("🛍️ Sell"), "menu:sell"),
        Button(ctx._("📦 My listings"), "menu:my_listings"),
        saved.menu_button(ctx),
        Button(ctx._("🏠 Main menu"), "menu:menu"),
        per_row=2,
    )
    text = ctx._(
        "🛒 Lapak Desa: sell what you make or grow to people in the village. "
        "What would you like to do?"
    )
    return [Reply(text, buttons, Expect.CHOICE)]


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


CAPABILITY = Capability(
    name="market",
    intents=(
        Intent(
            "market",
            market_menu,
            keywords=("lapak", "lapak desa", "pasar desa"),
            menu_label=lambda ctx: ctx._("🛒 Lapak Desa"),
            rank=40,
        ),
        Intent(
            "sell",
            sell.start_sell,
            keywords=("jual", "mau jual", "menjual", "jualan"),
            commands=(Command("jual", N_("Sell something in Lapak Desa")),),
        ),
        Intent(
            "find",
            browse.find,
            keywords=("cari", "beli", "mau beli"),
            commands=(Command("cari", N_("Find something in Lapak Desa")),),
        ),
        Intent(
            "categories",
            browse.choose_category,
            keywords=("kategori lapak", "lihat lapak", "lihat dagangan"),
        ),
        Intent(
            "my_listings",
            mine.my_listings,
            keywords=("lapak saya", "dagangan saya", "jualan saya"),
            commands=(Command("lapaksaya", N_("My listings in Lapak Desa")),),
            visible=_registered,
        ),
        Intent(
            "saved_searches",
            saved.saved_list,
            keywords=("pencarian tersimpan", "kabari saya"),
            visible=_registered,
        ),
        # No words of its own: what a link into the chat carries on with after registering.
        Intent(links.INTENT, links.menu, resume=links.resume, rank=99),
    ),
    flows=(sell.SELL_FLOW, report.REPORT_FLOW, contact.CONTACT_FLOW),
    desks=(desk.DESK, report_desk.DESK),
    exports=(export.EXPORT,),
    timers=(expiry.listings_due,),
    on_erase=(mine.withdraw_all, saved.forget_all, contact.end_all),
    choices={
        "lapak": mine.on_choice,
        "cari": browse.on_choice,
        saved.PREFIX: saved.on_choice,
        report.PREFIX: report.on_choice,
        contact_relay.PREFIX: contact.on_choice,
    },
    start_links={links.PREFIX: links.open_code},
    typed=(links.typed_link,),
    admin_commands=(
        AdminCommand(
            Command("lapak", N_("Lapak Desa: counts and the newest listings")),
            officials.market_overview,
        ),
    ),
)
