"""📰 Pengumuman terbaru: the last announcements for this resident, for people who joined
later or deleted a message.

The list holds the last 5 of the past 30 days: those that reached the resident, and those
their village had before they joined whose audience covers them now (their dusun and RT,
a topic they take, or an emergency). Each opens in full, with its photo or file.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from flows.announce import message, topics
from flows.announce.message import PREFIX
from flows.announce.subscriptions import home_button, list_button, need_registration
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Reply, noted_first, rows
from storage import resident_announcements, subscriptions
from storage.models import Announcement, Citizen
from storage.resident_announcements import REACHED, RELEASED, Seen

DAYS = 30
SHOWN = 5
# Characters of each announcement in the list; the button opens the whole of it.
EXCERPT = 300


def covers(announcement: Announcement, citizen: Citizen, taken: set[str]) -> bool:
    """The announcement's villages, dusun, RTs and topic include this resident."""
    audience = announcement.audience or {}
    if citizen.village_id not in announcement.village_ids:
        return False
    if audience.get("dusun") and citizen.dusun not in audience["dusun"]:
        return False
    if audience.get("rt") and citizen.rt not in audience["rt"]:
        return False
    emergency = announcement.kind == message.EMERGENCY or announcement.topic == topics.EMERGENCY
    return emergency or announcement.topic in taken


async def _seen(ctx: Ctx, citizen: Citizen) -> list[Seen]:
    since = ctx.now() - timedelta(days=DAYS)
    found = await resident_announcements.delivered(ctx.session, citizen.id, since, SHOWN)
    taken = await subscriptions.of_citizen(ctx.session, citizen.id)
    earlier = await resident_announcements.before_joining(
        ctx.session, citizen.id, citizen.registered_at, since
    )
    found += [
        Seen(a, a.started_at or a.send_at, False) for a in earlier if covers(a, citizen, taken)
    ]
    found.sort(key=lambda s: (s.sent, s.announcement.id), reverse=True)
    return found[:SHOWN]


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT:
        return text
    return text[:EXCERPT].rsplit(" ", 1)[0] + "…"


async def recent(ctx: Ctx) -> list[Reply]:
    """The last 5 announcements for this resident, newest first, each with 📄 to open."""
    citizen, village = ctx.citizen, ctx.village
    if citizen is None or village is None:
        return await need_registration(ctx)
    seen = await _seen(ctx, citizen)
    if not seen:
        text = ctx._("There were no announcements for you in the last {days} days.")
        choices = rows(list_button(ctx), home_button(ctx), per_row=2)
        return [Reply(text.format(days=DAYS), choices, Expect.CHOICE)]
    lines = [ctx._("📰 Announcements of the last {days} days, newest first:").format(days=DAYS)]
    buttons: list[Button] = []
    for n, item in enumerate(seen, start=1):
        shown = message.resident_message(ctx._, village, item.announcement, item.sent, ctx.locale)
        entry = f"{n}. {_excerpt(shown.text)}"
        if shown.media:
            entry += "\n" + ctx._("📎 with a photo or file")
        lines += ["", entry]
        label = ctx._("📄 Open {n}").format(n=n)
        buttons.append(Button(label, f"{PREFIX}:open:{item.announcement.id}"))
    lines += ["", ctx._("Tap 📄 to open one in full.")]
    buttons += [list_button(ctx), home_button(ctx)]
    return [Reply("\n".join(lines), rows(*buttons, per_row=3), Expect.CHOICE)]


async def open_one(ctx: Ctx, citizen: Citizen, value: str) -> list[Reply]:
    """📄 from the list: the announcement as it was sent, with its media and buttons."""
    village = ctx.village
    if village is None:
        return await need_registration(ctx)
    found = None
    if value.isascii() and value.isdigit():
        found = await _visible(ctx, citizen, int(value))
    if found is None:
        note = ctx._("That announcement is no longer available.")
        return noted_first(note, await recent(ctx))
    shown = message.resident_message(ctx._, village, found.announcement, found.sent, ctx.locale)
    back = Button(ctx._("📰 Latest news"), "menu:recent_announcements")
    return [dataclasses.replace(shown, buttons=(*shown.buttons, (back,)), expects=Expect.CHOICE)]


async def _visible(ctx: Ctx, citizen: Citizen, announcement_id: int) -> Seen | None:
    """The announcement, if it reached this resident or would have had they joined earlier."""
    announcement = await ctx.session.get(Announcement, announcement_id)
    if announcement is None:
        return None
    delivery = await resident_announcements.delivery_of(ctx.session, announcement_id, citizen.id)
    if delivery is not None:
        if delivery.status not in REACHED:
            return None
        sent = delivery.sent_at or delivery.queued_at or announcement.send_at
        return Seen(announcement, sent, True)
    started = announcement.started_at
    if announcement.status not in RELEASED or started is None:
        return None
    if started >= citizen.registered_at:
        return None
    taken = await subscriptions.of_citizen(ctx.session, citizen.id)
    return Seen(announcement, started, False) if covers(announcement, citizen, taken) else None
