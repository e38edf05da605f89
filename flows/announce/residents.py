"""The resident's side of Pengumuman: 📣 in the main menu, /langganan, /berhenti, and the
buttons under a delivered announcement ("pgm:..." , see message.py)."""

from __future__ import annotations

from flows.announce import acks, recent, subscriptions
from flows.announce.message import PREFIX
from flows.common.text import N_
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Reply, rows


async def announcements_menu(ctx: Ctx) -> list[Reply]:
    """📣 Pengumuman: the latest ones, or the topics one takes."""
    if ctx.citizen is None:
        return await subscriptions.need_registration(ctx)
    text = ctx._(
        "📣 Village announcements: read the latest ones, or choose the topics you receive."
    )
    buttons = rows(
        Button(ctx._("📰 Latest news"), "menu:recent_announcements"),
        subscriptions.list_button(ctx),
        subscriptions.home_button(ctx),
        per_row=1,
    )
    return [Reply(text, buttons, Expect.CHOICE)]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """The "pgm" buttons: read, stop a topic (and undo), /langganan's taps, /berhenti's."""
    citizen = ctx.citizen
    if citizen is None:
        return await subscriptions.need_registration(ctx)
    action, _sep, rest = value.partition(":")
    if action == "read":
        return await acks.read(ctx, citizen, rest)
    if action == "stop" and rest:
        return await subscriptions.stop_from_announcement(ctx, citizen, rest)
    if action == "undo" and rest:
        return await subscriptions.undo_stop(ctx, citizen, rest)
    if action in ("sub", "uns") and rest:
        return await subscriptions.set_topic(ctx, citizen, rest, on=action == "sub")
    if action == "em":
        return await subscriptions.show(ctx, subscriptions.emergency_always(ctx))
    if action == "all":
        if rest == "yes":
            return await subscriptions.stop_all(ctx, citizen)
        return await subscriptions.ask_stop_all(ctx)
    if action == "keep":
        return await subscriptions.show(ctx, ctx._("Nothing was changed."))
    if action == "open":
        return await recent.open_one(ctx, citizen, rest)
    return await subscriptions.show(ctx)


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


PART = Capability(
    name="announce-residents",
    intents=(
        Intent(
            "announcements",
            announcements_menu,
            keywords=("pengumuman", "pengumuman desa", "info desa"),
            menu_label=lambda ctx: ctx._("📣 Announcements"),
            visible=_registered,
            rank=45,
        ),
        Intent(
            "recent_announcements",
            recent.recent,
            keywords=("pengumuman terbaru", "pengumuman terakhir", "lihat pengumuman"),
            visible=_registered,
        ),
        Intent(
            "subscriptions",
            subscriptions.show,
            keywords=("langganan", "langganan pengumuman", "topik pengumuman", "pilih topik"),
            commands=(Command("langganan", N_("Choose the announcement topics you receive")),),
        ),
        Intent(
            "stop_announcements",
            subscriptions.ask_stop_all,
            keywords=(
                "berhenti pengumuman",
                "stop pengumuman",
                "berhenti langganan",
                "matikan pengumuman",
            ),
            commands=(Command("berhenti", N_("Stop all announcements except emergencies")),),
        ),
    ),
    choices={PREFIX: on_choice},
    on_registered=(subscriptions.welcome,),
    on_erase=(subscriptions.forget_all,),
)
