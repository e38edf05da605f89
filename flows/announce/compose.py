"""/umumkan in an admin chat: the questions (compose_steps.py, compose_recipients.py), then a
preview exactly as residents will see it, with the counts; Kirim. Diagram: compose.mmd.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from flows.announce import approval
from flows.announce.compose_form import (
    DUSUN,
    RT,
    ComposeForm,
    audience_of,
    chosen_villages,
    one_village,
    refresh_reach,
    send_time,
)
from flows.announce.compose_recipients import (
    DusunStep,
    RtStep,
    TargetStep,
    TopicStep,
    VillagesStep,
)
from flows.announce.compose_steps import KindStep, TextStep, WhenStep, when_text
from flows.announce.message import NORMAL, resident_message
from flows.announce.quiet import goes_at
from flows.announce.scope import Scope, scope_of
from flows.common.formatting import number, village_time
from flows.common.text import N_
from flows.engine import form as form_engine
from flows.engine.admin import ADMIN_LOCALE, actor, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask
from flows.engine.types import Button, Reply
from storage import announcements, audit
from storage.models import Announcement

_CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
# The preview's copies of the resident's buttons: "annpv:read", "annpv:stop".
PREVIEW = "annpv"
PREVIEW_NOTE = N_("This is only a preview; these buttons are for residents.")


def reach_line(ctx: Ctx, form: ComposeForm) -> str:
    """The counts: "Akan dikirim ke 1.234 warga (1.100 Telegram, 134 WhatsApp); 12 ..."."""
    _ = admin_gettext(ctx)
    total = sum(form.by_channel.values())
    parts = ", ".join(
        f"{number(n, ADMIN_LOCALE)} {_CHANNEL_NAMES.get(c, c.capitalize())}"
        for c, n in sorted(form.by_channel.items())
    )
    if total:
        line = _("It will be sent to {n} residents").format(n=number(total, ADMIN_LOCALE))
    else:
        line = _("No resident among these recipients can receive it yet")
    if parts:
        line += f" ({parts})"
    if form.unreachable:
        line += _("; {n} cannot be reached").format(n=number(form.unreachable, ADMIN_LOCALE))
    return line + "."


def draft(ctx: Ctx, form: ComposeForm, village_ids: list[int], shown: bool = False) -> Announcement:
    """The announcement the form describes (not stored): the preview shows it as it will be."""
    audience_ = audience_of(ctx, form)
    stored: dict[str, list[str]] = {}
    if audience_.dusun:
        stored["dusun"] = list(audience_.dusun)
    if audience_.rt:
        stored["rt"] = list(audience_.rt)
    return Announcement(
        # Only a preview has an id (for the resident's buttons it shows); a stored one
        # gets its own.
        **({"id": 0} if shown else {}),
        code="",
        village_ids=village_ids,
        kind=form.kind or NORMAL,
        topic=audience_.topic,
        audience=stored,
        text=form.text,
        media_ref=form.media_id or None,
        media_kind=form.media_kind or None,
    )


def preview(ctx: Ctx, form: ComposeForm) -> Reply | None:
    """The announcement exactly as a resident will get it (the first village's name)."""
    villages = chosen_villages(ctx, form)
    if not villages or not form.text:
        return None
    sent = send_time(form) or ctx.now()
    return resident_message(
        admin_gettext(ctx), villages[0], draft(ctx, form, [], shown=True), sent, ADMIN_LOCALE
    )


class ComposeFlow(FormFlow[ComposeForm]):
    name = "announce"
    form_type = ComposeForm
    steps = (
        VillagesStep(),
        TextStep(),
        TargetStep(),
        DusunStep(),
        RtStep(),
        TopicStep(),
        KindStep(),
        WhenStep(),
    )

    def title(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        return _("📢 New announcement")

    def confirm_label(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        return _("✅ Send")

    def summary_intro(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        form = self.load(ctx.state.form) if ctx.state is not None else ComposeForm()
        villages = chosen_villages(ctx, form)
        parts = []
        if villages and form.text:
            above = _(
                "☝️ Above is the announcement exactly as residents of Desa {village} will "
                "receive it."
            ).format(village=villages[0].name)
            if len(villages) > 1:
                above += " " + _("Residents of the other villages see their own village's name.")
            parts.append(above)
        parts.append(reach_line(ctx, form))
        parts.append(
            _("Send it with {send}, change a part with ✏️, or ❌ Cancel.").format(
                send=self.confirm_label(ctx)
            )
        )
        return "\n\n".join(parts)

    def summary_before(self, ctx: Ctx, form: ComposeForm) -> list[Reply]:
        shown = preview(ctx, form)
        if shown is None:
            return []
        # The resident's own buttons, pressed here, only say that this is a preview.
        buttons = tuple(
            tuple(Button(b.label, f"{PREVIEW}:{b.value.split(':')[1]}") for b in row)
            for row in shown.buttons
        )
        return [dataclasses.replace(shown, buttons=buttons)]

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        _ = admin_gettext(ctx)
        return [Reply(_("Cancelled. The announcement was not sent."))]

    def gone(self, ctx: Ctx, form: ComposeForm) -> str | None:
        if scope_of(ctx) is None:
            _ = admin_gettext(ctx)
            return _("This chat can no longer send announcements.")
        return None

    async def finish(self, ctx: Ctx, form: ComposeForm, key: str) -> Finished | Reask:
        _ = admin_gettext(ctx)
        scope = scope_of(ctx)
        villages = chosen_villages(ctx, form)
        if scope is None or not villages:
            return Finished([Reply(_("This chat can no longer send announcements."))])
        # Never a narrower choice silently widened to everyone.
        if form.target in (DUSUN, RT) and (not form.dusun or one_village(ctx, form) is None):
            return Reask(TargetStep.name, _("Please choose the recipients again."))
        if form.target == RT and not form.rt:
            return Reask(RtStep.name, _("Please type the RT numbers."))
        moment = send_time(form)
        if moment is not None and moment <= ctx.now():
            return Reask(WhenStep.name, _("That time has passed meanwhile. Please give another."))
        await refresh_reach(ctx, form)
        if moment is None and not sum(form.by_channel.values()):
            # Later, residents may have registered by then; now, it would reach nobody.
            return Reask(
                TargetStep.name,
                _("Nobody would receive it: {reason} Please choose other recipients.").format(
                    reason=reach_line(ctx, form)
                ),
            )
        ids = [ctx.services.village_ids[v.code] for v in villages]
        now = ctx.now()
        moment = moment or now
        four_eyes = any(v.broadcast_approval for v in villages)
        resting = goes_at(villages, form.kind or NORMAL, moment)
        night = ""
        if resting is not None:
            night = " " + _(
                "A Biasa announcement waits out the village's quiet hours: it goes on {when}. "
                "If it cannot wait, cancel it in /pengumuman and send it again as ⚠️ Penting."
            ).format(when=village_time(resting, villages[0], ADMIN_LOCALE))
        valid = max(v.announcement_valid_days for v in villages)
        made = draft(ctx, form, ids)
        made.admin_chat_id = ctx.msg.chat
        made.author_id = ctx.msg.sender
        made.author_name = (ctx.msg.sender_name or ctx.msg.sender)[:100]
        made.status = approval.AWAITING if four_eyes else approval.SCHEDULED
        made.send_at = moment
        made.expires_at = moment + timedelta(days=valid)
        made.created_at = now
        made.version = 1
        made = await announcements.create(ctx.session, made)
        await audit.record(
            ctx.session,
            at=now,
            actor=actor(ctx),
            village_id=ids[0],
            action="announce",
            record_type="announcement",
            record_id=made.id,
            outcome=made.status,
        )
        if four_eyes:
            done = _("{code} is saved. Another official must approve it before it is sent.")
            card = await approval.card(ctx, made)
            return Finished([Reply(f"{done.format(code=made.code)}{night}"), card])
        if night:
            return Finished([Reply(_("{code} is saved.").format(code=made.code) + night)])
        if send_time(form) is None:
            done = _("{code} is being sent now. /pengumuman shows how it goes.")
        else:
            done = _("{code} will be sent on {when}. /pengumuman shows it, and can cancel it.")
        return Finished([Reply(done.format(code=made.code, when=when_text(ctx, form)))])


COMPOSE_FLOW = ComposeFlow()


async def start_compose(ctx: Ctx) -> list[Reply]:
    """/umumkan: begin a new announcement in this admin chat."""
    scope: Scope | None = scope_of(ctx)
    if scope is None:
        return []
    if ctx.state is not None and ctx.state.flow is COMPOSE_FLOW:
        # Typed again mid-way: what was written so far is not thrown away unasked.
        return form_engine.resume_or_cancel(ctx)
    form = ComposeForm(chat=ctx.msg.chat, villages=[v.code for v in scope.villages])
    return form_engine.start(ctx, COMPOSE_FLOW, form)
