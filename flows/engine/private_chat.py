"""A resident's message in a private chat: to the form they are in, a command, a button,
or what they typed at the top level."""

from __future__ import annotations

from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.media_notes import media_note
from flows.engine.menu import (
    choose_language,
    help_text,
    main_menu,
    names_a_service,
    set_language,
    understand,
)
from flows.engine.types import Kind, Reply

# Commands that mean "take me to the menu", which mid-form asks before leaving.
_MENU_COMMANDS = {"start", "menu"}


async def route_private(ctx: Ctx) -> list[Reply]:
    """Where a message in a private chat goes: the form the person is in, a command, a
    button, or what they typed at the top level."""
    msg = ctx.msg
    if msg.edited:
        note = ctx._("I read only new messages, not edited ones. Please send it again.")
        if ctx.state is not None:
            return form_engine.current_question(ctx, note)
        return [Reply(note)]
    if msg.media_problem is not None:
        note = media_note(ctx._, msg.media_problem, ctx.services)
        if ctx.state is not None:
            return form_engine.current_question(ctx, note)
        return [Reply(note)]
    if msg.kind is Kind.COMMAND:
        return await _command(ctx)
    if msg.kind is Kind.CHOICE:
        return await _choice(ctx)
    if ctx.state is not None:
        return await form_engine.handle(ctx)
    # Something the person was asked for (by an official, or to fix a request) is
    # answered by what they send next, without pressing ✍️ Jawab first.
    asks = ctx.citizen is not None and not names_a_service(ctx)
    for awaited in ctx.services.catalog.awaited if asks else ():
        answered = await awaited(ctx)
        if answered is not None:
            return answered
    # What anyone may type at the top level, registered or not (a link code).
    for typed in ctx.services.catalog.typed:
        answered = await typed(ctx)
        if answered is not None:
            return answered
    if msg.kind is Kind.TEXT and msg.text.strip():
        return await understand(ctx)
    text = ctx._("I can read text messages and buttons here. Please choose from the menu:")
    return [main_menu(ctx, text)]


async def _command(ctx: Ctx) -> list[Reply]:
    command = ctx.msg.command
    if command in ("batal", "cancel"):
        if ctx.state is not None:
            return form_engine.cancel(ctx)
        return [main_menu(ctx, ctx._("There is nothing to cancel."))]
    if command in ("bahasa", "language"):
        return await choose_language(ctx)
    if command in ("bantuan", "help") and ctx.state is not None:
        return form_engine.current_question(ctx, help_text(ctx))
    intent = ctx.services.catalog.by_command(command)
    if ctx.state is not None:
        return form_engine.resume_or_cancel(ctx)
    if intent is None:
        return [main_menu(ctx, ctx._("I do not know that command. Please choose from the menu:"))]
    if command == "start":
        opened = await _start_link(ctx)
        if opened is not None:
            return opened
    if command in _MENU_COMMANDS:
        return [main_menu(ctx)]
    return await intent.run(ctx)


async def _start_link(ctx: Ctx) -> list[Reply] | None:
    """`/start lapak_LPK-7K3Q` (a link into the chat): the capability claiming its prefix
    opens it; None for a bare /start or a payload nobody claims (the menu then)."""
    words = ctx.msg.text.split(maxsplit=1)
    payload = words[1].strip() if len(words) > 1 else ""
    prefix, sep, value = payload.partition("_")
    opener = ctx.services.catalog.start_links.get(prefix.lower()) if sep else None
    return await opener(ctx, value) if opener is not None and value else None


async def _choice(ctx: Ctx) -> list[Reply]:
    prefix, _sep, value = ctx.msg.choice.partition(":")
    if prefix == "lang":
        return await set_language(ctx, value)
    if ctx.state is not None:
        if prefix in ctx.services.catalog.choices:
            return form_engine.resume_or_cancel(ctx)
        return await form_engine.handle(ctx)
    handler = ctx.services.catalog.choices.get(prefix)
    if handler is None:
        text = ctx._("That button is no longer active. Please choose from the menu:")
        return [main_menu(ctx, text)]
    return await handler(ctx, value)
