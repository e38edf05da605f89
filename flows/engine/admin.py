"""The admin-chat gate: who may act in a village's officials' group, and how others are told.

A press or command in an admin chat counts only from a member of that village's admin
chat; everyone else is refused politely, and every refusal lands in the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flows.common.villages import Region, VillageConfig
from flows.engine.catalog import command_lines
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Kind, Reply, rows
from storage import audit

log = logging.getLogger(__name__)

# Admin chats are shared by several officials, so they read Balai in Indonesian.
ADMIN_LOCALE = "id"
# A button under the officials' help that runs an officials' command: "cmd:<name>".
COMMAND_BUTTON = "cmd"


def admin_gettext(ctx: Ctx) -> Callable[[str], str]:
    return ctx.services.translations(ADMIN_LOCALE).gettext


def actor(ctx: Ctx) -> audit.Actor:
    return audit.Actor(ctx.msg.channel, ctx.msg.sender, ctx.msg.sender_name or ctx.msg.sender)


async def admin_help(ctx: Ctx) -> list[Reply]:
    """Explain the admin chat to officials."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    name = village.name if village else ""
    commands = command_lines(_, ctx.services.catalog.admin_commands)
    intro = _(
        "This is the officials' group of Desa {village}. New registrations, letter requests "
        "and complaints arrive here as cards."
    ).format(village=name)
    how = _(
        "• Tap a card's buttons to decide.\n"
        "• When Balai asks for a note (a reason, a question, the signed letter), reply to "
        "that message of Balai's. Type /batal to stop.\n"
        "• Only members of this group can use the buttons and commands; every action is "
        "recorded."
    )
    text = "\n\n".join((intro, how, _("Commands for officials:") + "\n" + commands))
    return [Reply(text, *_command_buttons(ctx, ctx.services.catalog.admin_buttons))]


async def region_help(ctx: Ctx, region: Region) -> list[Reply]:
    """Explain a region's admin chat: it announces to its villages, nothing else."""
    _ = admin_gettext(ctx)
    catalog = ctx.services.catalog
    intro = _(
        "This is the officials' group of {region}. Here you can send announcements to its villages."
    ).format(region=region.name)
    commands = command_lines(_, catalog.region_commands)
    text = "\n\n".join((intro, _("Commands for officials:") + "\n" + commands))
    shown = [(label, name) for label, name in catalog.admin_buttons if name in catalog.region_names]
    return [Reply(text, *_command_buttons(ctx, shown))]


def _command_buttons(
    ctx: Ctx, buttons: list[tuple[str, str]]
) -> tuple[tuple[tuple[Button, ...], ...], Expect]:
    _ = admin_gettext(ctx)
    found = rows(*(Button(_(label), f"{COMMAND_BUTTON}:{name}") for label, name in buttons))
    return found, Expect.CHOICE if found else Expect.NOTHING


def inactive_button(ctx: Ctx) -> list[Reply]:
    """A button nothing waits for any more (its prompt was answered or cancelled).

    Buttons that name a case (card buttons) are answered by the case desk, with the card.
    """
    _ = admin_gettext(ctx)
    return [Reply(_("That button is no longer active."))]


async def refuse_non_official(ctx: Ctx, village: VillageConfig) -> list[Reply]:
    """Politely refuse someone who is not an official of this admin chat, and record it."""
    _ = admin_gettext(ctx)
    log.warning("refused admin action from non-member in admin chat of %s", village.code)
    await _record_refusal(ctx, ctx.services.village_ids.get(village.code), "admin_chat")
    text = _(
        "Sorry, the buttons and commands in this group are only for officials of Desa {village}."
    ).format(village=village.name)
    return [Reply(text, alert=ctx.msg.kind is Kind.CHOICE)]


async def refuse_non_region_official(ctx: Ctx, region: Region) -> list[Reply]:
    """The same for a region's admin chat."""
    _ = admin_gettext(ctx)
    log.warning("refused admin action from non-member in a region's admin chat")
    await _record_refusal(ctx, None, "region_chat")
    text = _("Sorry, the buttons and commands in this group are only for officials of {region}.")
    return [Reply(text.format(region=region.name), alert=ctx.msg.kind is Kind.CHOICE)]


async def refuse_unknown_group(ctx: Ctx) -> list[Reply]:
    """Answer in a group that is no village's admin chat: Balai serves residents privately."""
    _ = admin_gettext(ctx)
    log.warning("refused action in a group that is no village's admin chat")
    await _record_refusal(ctx, None, "group", detail="chat is not an admin chat")
    text = _("Balai serves residents in a private chat. Please open a private chat with this bot.")
    return [Reply(text, alert=ctx.msg.kind is Kind.CHOICE)]


async def _record_refusal(
    ctx: Ctx, village_id: int | None, record_type: str, detail: str | None = None
) -> None:
    await audit.record(
        ctx.session,
        at=ctx.now(),
        actor=actor(ctx),
        village_id=village_id,
        action=ctx.msg.choice.partition(":")[0] or ctx.msg.command or "message",
        record_type=record_type,
        record_id=None,
        outcome="refused",
        detail=detail,
    )
