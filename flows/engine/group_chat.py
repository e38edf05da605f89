"""A message in a group chat: a village's admin chat (officials' commands, buttons and
notes) or a region's (only what capabilities open to regions)."""

from __future__ import annotations

from flows.common.villages import Region
from flows.engine import admin
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.media_notes import media_note
from flows.engine.types import Kind, Reply


async def route_group(ctx: Ctx) -> list[Reply]:
    """Where a message in a group chat goes; officials act, anyone else gets a refusal or
    silence."""
    msg, catalog = ctx.msg, ctx.services.catalog
    if msg.edited:
        return []  # an edited old message must never become an official's note
    acting = msg.kind in (Kind.COMMAND, Kind.CHOICE)
    village = ctx.services.villages.by_admin_chat(msg.chat)
    if ctx.state is not None and ctx.state.form.get("chat") != msg.chat:
        ctx.state = None  # a note begun in another village's admin chat
    if village is None:
        region = ctx.services.villages.region_by_admin_chat(msg.chat)
        if region is not None:
            return await _region(ctx, region)
        return await admin.refuse_unknown_group(ctx) if acting else []
    if msg.media_problem is not None and (ctx.state is not None or msg.reply_to):
        # An official's file (the signed letter) that could not be kept: say so, and
        # the prompt they answered still waits for it.
        note = media_note(admin.admin_gettext(ctx), msg.media_problem, ctx.services)
        if ctx.state is not None:
            return form_engine.current_question(ctx, note)
        return [Reply(note)]
    if not acting and ctx.state is None:
        for on_reply in catalog.admin_replies if msg.reply_to else ():
            answered = await on_reply(ctx)
            if answered is not None:
                return answered
        return []  # officials talk among themselves; Balai stays quiet
    if not await ctx.services.officials.is_official(msg.chat, msg.sender):
        return await admin.refuse_non_official(ctx, village) if acting else []
    if msg.kind is Kind.CHOICE:
        prefix, _sep, value = msg.choice.partition(":")
        command_run = catalog.admin_command(value) if prefix == admin.COMMAND_BUTTON else None
        if command_run is not None:  # a button under the officials' help
            return await command_run(ctx)
        choice_handler = catalog.admin_choices.get(prefix)
        if choice_handler is not None:
            return await choice_handler(ctx, value)
        if ctx.state is not None:
            return await form_engine.handle(ctx)
        # A button of a prompt already answered or cancelled (❌ Batal, a tick). One
        # that names a case (`<step>:<desk prefix>:...`) is answered by its desk, with
        # the case's card.
        inner, _sep, rest = value.partition(":")
        desk_handler = catalog.admin_choices.get(inner) if rest else None
        if desk_handler is not None:
            return await desk_handler(ctx, rest)
        return admin.inactive_button(ctx)
    elif msg.kind is Kind.COMMAND:
        if msg.command in ("batal", "cancel"):
            if ctx.state is not None:
                return form_engine.cancel(ctx)
            _ = admin.admin_gettext(ctx)
            return [Reply(_("There is nothing being cancelled."))]
        command_handler = catalog.admin_command(msg.command)
        if command_handler is not None:
            return await command_handler(ctx)
    elif ctx.state is not None:
        return await form_engine.handle(ctx)
    return await admin.admin_help(ctx)


async def _region(ctx: Ctx, region: Region) -> list[Reply]:
    """A region's admin chat: only what capabilities open to regions (announcements)."""
    msg, catalog = ctx.msg, ctx.services.catalog
    allowed = catalog.region_names
    if ctx.state is not None and ctx.state.flow.name not in allowed:
        ctx.state = None
    acting = msg.kind in (Kind.COMMAND, Kind.CHOICE)
    if not acting and ctx.state is None:
        return []
    if not await ctx.services.officials.is_official(msg.chat, msg.sender):
        return await admin.refuse_non_region_official(ctx, region) if acting else []
    if msg.kind is Kind.CHOICE:
        prefix, _sep, value = msg.choice.partition(":")
        if prefix == admin.COMMAND_BUTTON and value in allowed:
            command_run = catalog.admin_command(value)
            if command_run is not None:
                return await command_run(ctx)
        choice_handler = catalog.admin_choices.get(prefix) if prefix in allowed else None
        if choice_handler is not None:
            return await choice_handler(ctx, value)
        if ctx.state is not None:
            return await form_engine.handle(ctx)
        return admin.inactive_button(ctx)
    if msg.kind is Kind.COMMAND:
        if msg.command in ("batal", "cancel") and ctx.state is not None:
            return form_engine.cancel(ctx)
        command_handler = catalog.admin_command(msg.command)
        if command_handler is not None and msg.command in allowed:
            return await command_handler(ctx)
    elif ctx.state is not None:
        return await form_engine.handle(ctx)
    return await admin.region_help(ctx, region)
