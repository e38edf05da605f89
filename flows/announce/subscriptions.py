"""A resident's topics: /langganan (✅ or ⬜ per topic, a tap turns one on or off),
/berhenti (all but Darurat, after one tap to confirm), 🔕 under an announcement (with undo),
and Umum and Darurat for every new resident.

Darurat is never stored as a choice to make: emergency announcements reach everyone.
"""

from __future__ import annotations

from flows.announce.message import PREFIX
from flows.announce.topics import EMERGENCY, NEW_RESIDENT_TOPICS, topic_name, topics
from flows.common.text import BUTTON_MAX, fit_label
from flows.common.villages import Topic, VillageConfig
from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Reply, rows
from storage import subscriptions
from storage.models import Citizen


def list_button(ctx: Ctx) -> Button:
    return Button(ctx._("🔔 My topics"), f"{PREFIX}:list")


def home_button(ctx: Ctx) -> Button:
    return Button(ctx._("🏠 Main menu"), "menu:menu")


async def need_registration(ctx: Ctx) -> list[Reply]:
    reason = ctx._(
        "Village announcements are for registered residents. Please register first; "
        "you only do it once."
    )
    return await register_first(ctx, reason, then="announcements")


def _label(mark: str, topic: Topic) -> str:
    name = topic.short or topic.name
    return f"{mark} {fit_label(name, BUTTON_MAX - len(mark) - 1)}"


def _view(ctx: Ctx, village: VillageConfig, taken: set[str], note: str, replace: bool) -> Reply:
    lines = [ctx._("📣 The announcement topics you receive:"), ""]
    buttons = []
    for topic in topics(village):
        if topic.code == EMERGENCY:
            continue
        mark = "✅" if topic.code in taken else "⬜"
        lines.append(f"{mark} {topic.name}")
        action = "uns" if topic.code in taken else "sub"
        buttons.append(Button(_label(mark, topic), f"{PREFIX}:{action}:{topic.code}"))
    emergency = topic_name(village, EMERGENCY)
    lines.append(
        ctx._("🔒 {name}: always sent to every resident; it cannot be turned off.").format(
            name=emergency
        )
    )
    lines += ["", ctx._("Tap a topic to turn it on or off.")]
    buttons += [
        Button(f"🔒 {fit_label(emergency, BUTTON_MAX - 2)}", f"{PREFIX}:em"),
        Button(ctx._("🔕 Stop all topics"), f"{PREFIX}:all"),
        home_button(ctx),
    ]
    buttons_rows = rows(*buttons, per_row=1)
    reply = Reply("\n".join(lines), buttons_rows, Expect.CHOICE, replace_origin=replace)
    return reply.noted(note)


async def show(ctx: Ctx, note: str = "", *, replace: bool = False) -> list[Reply]:
    """/langganan: every topic of the village with ✅ or ⬜."""
    citizen, village = ctx.citizen, ctx.village
    if citizen is None or village is None:
        return await need_registration(ctx)
    taken = await subscriptions.of_citizen(ctx.session, citizen.id)
    return [_view(ctx, village, taken, note, replace)]


def _offered(village: VillageConfig, code: str) -> bool:
    return any(t.code == code for t in topics(village))


def _stopped_text(ctx: Ctx, village: VillageConfig, code: str) -> str:
    return ctx._(
        "🔕 You will no longer receive announcements about {topic}. "
        "Emergency announcements are still sent."
    ).format(topic=topic_name(village, code))


def _started_text(ctx: Ctx, village: VillageConfig, code: str) -> str:
    return ctx._("✅ You will receive announcements about {topic}.").format(
        topic=topic_name(village, code)
    )


def emergency_always(ctx: Ctx) -> str:
    return ctx._(
        "Emergency announcements (🚨 Darurat) are sent to every resident and cannot be "
        "turned off, so that no one misses a warning of a flood or a fire."
    )


async def set_topic(ctx: Ctx, citizen: Citizen, code: str, *, on: bool) -> list[Reply]:
    """A tap in /langganan: turn one topic on or off (a double tap changes nothing more)."""
    village = ctx.village
    if village is None:
        return await need_registration(ctx)
    if code == EMERGENCY:
        return await show(ctx, emergency_always(ctx))
    if not _offered(village, code):
        return await show(ctx, ctx._("That topic is no longer offered."))
    if on:
        await subscriptions.subscribe(ctx.session, citizen.id, code, ctx.now())
        return await show(ctx, _started_text(ctx, village, code), replace=True)
    await subscriptions.unsubscribe(ctx.session, citizen.id, code)
    return await show(ctx, _stopped_text(ctx, village, code), replace=True)


async def stop_from_announcement(ctx: Ctx, citizen: Citizen, code: str) -> list[Reply]:
    """🔕 Berhenti topik ini, under an announcement; offers to undo it."""
    village = ctx.village
    if village is None:
        return await need_registration(ctx)
    if code == EMERGENCY:
        return [Reply(emergency_always(ctx), rows(list_button(ctx)), Expect.CHOICE)]
    if not _offered(village, code):
        return await show(ctx, ctx._("That topic is no longer offered."))
    await subscriptions.unsubscribe(ctx.session, citizen.id, code)
    buttons = rows(Button(ctx._("↩️ Undo"), f"{PREFIX}:undo:{code}"), list_button(ctx), per_row=2)
    return [Reply(_stopped_text(ctx, village, code), buttons, Expect.CHOICE)]


async def undo_stop(ctx: Ctx, citizen: Citizen, code: str) -> list[Reply]:
    """↩️ Batalkan after 🔕: the topic is taken again."""
    village = ctx.village
    if village is None:
        return await need_registration(ctx)
    if code == EMERGENCY or not _offered(village, code):
        return await show(ctx)
    await subscriptions.subscribe(ctx.session, citizen.id, code, ctx.now())
    text = _started_text(ctx, village, code)
    return [Reply(text, rows(list_button(ctx), home_button(ctx), per_row=2), Expect.CHOICE)]


async def ask_stop_all(ctx: Ctx) -> list[Reply]:
    """/berhenti: stop every topic but Darurat? One tap to confirm."""
    if ctx.citizen is None or ctx.village is None:
        return await need_registration(ctx)
    text = ctx._(
        "Stop all announcements except Emergency ones? Emergency announcements (🚨 Darurat) "
        "are still sent to every resident. You can choose topics again at any time with "
        "/langganan."
    )
    buttons = rows(
        Button(ctx._("🔕 Yes, stop them"), f"{PREFIX}:all:yes"),
        Button(ctx._("❌ Cancel"), f"{PREFIX}:keep"),
        per_row=2,
    )
    return [Reply(text, buttons, Expect.CHOICE)]


async def stop_all(ctx: Ctx, citizen: Citizen) -> list[Reply]:
    """The confirmation of /berhenti: every topic but Darurat is stopped."""
    await subscriptions.unsubscribe_all(ctx.session, citizen.id, keep=(EMERGENCY,))
    text = ctx._(
        "🔕 Done. You will no longer receive announcements, except Emergency ones: "
        "Emergency announcements are still sent to every resident. To choose topics "
        "again: /langganan."
    )
    return [Reply(text, rows(list_button(ctx), home_button(ctx), per_row=2), Expect.CHOICE)]


async def welcome(ctx: Ctx, citizen: Citizen) -> None:
    """A new resident takes Umum and Darurat (every village offers both)."""
    await subscriptions.subscribe_all(ctx.session, citizen.id, NEW_RESIDENT_TOPICS, ctx.now())


async def forget_all(ctx: Ctx, citizen: Citizen) -> None:
    """A resident deleted their data: their topics go with it."""
    await subscriptions.unsubscribe_all(ctx.session, citizen.id)
