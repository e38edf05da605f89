"""Four-eyes (`broadcast_approval = true`): a second official approves or refuses before an
announcement goes; its author cannot approve it. Statuses and the approval card live here."""

from __future__ import annotations

from dataclasses import dataclass

from flows.announce.describe import describe
from flows.common.text import N_, clean
from flows.common.validation import Invalid, too_long
from flows.engine import form as form_engine
from flows.engine.admin import ADMIN_LOCALE, actor, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Question, Step
from flows.engine.types import Button, ButtonRows, Expect, Kind, Reply, rows
from storage import announcements, audit, statuses
from storage.models import Announcement

AWAITING, SCHEDULED = statuses.ANNOUNCEMENT_AWAITING, statuses.ANNOUNCEMENT_SCHEDULED
SENDING, PAUSED = statuses.ANNOUNCEMENT_SENDING, statuses.ANNOUNCEMENT_PAUSED
STOPPED, DONE = statuses.ANNOUNCEMENT_STOPPED, statuses.ANNOUNCEMENT_DONE
CANCELLED = statuses.ANNOUNCEMENT_CANCELLED
STATUS_LABELS = {
    AWAITING: N_("Awaiting approval"),
    SCHEDULED: N_("Scheduled"),
    SENDING: N_("Sending"),
    PAUSED: N_("Paused"),
    STOPPED: N_("Stopped"),
    DONE: N_("Done"),
    CANCELLED: N_("Cancelled"),
}
# Officials' buttons on announcements: "umk:<action>:<id>:<version shown>".
PREFIX = "umk"
APPROVE, REJECT = "ok", "no"
REASON_MAX = 500


def button(label: str, action: str, announcement: Announcement) -> Button:
    return Button(label, f"{PREFIX}:{action}:{announcement.id}:{announcement.version}")


async def card(ctx: Ctx, announcement: Announcement, note: str = "") -> Reply:
    """The approval card: what is to be sent, by whom; ✅ Setujui / ⛔ Tolak while it waits."""
    _ = admin_gettext(ctx)
    status = _(STATUS_LABELS.get(announcement.status, announcement.status))
    lines = [
        f"📝 {announcement.code} · {status}",
        _("Written by: {name}").format(name=announcement.author_name),
        *await describe(ctx, announcement),
    ]
    if announcement.approver_name:
        lines.append(_("Approved by: {name}").format(name=announcement.approver_name))
    if note:
        lines += ["", note]
    buttons: ButtonRows = ()
    if announcement.status == AWAITING:
        buttons = rows(
            button(_("✅ Approve"), APPROVE, announcement),
            button(_("⛔ Refuse"), REJECT, announcement),
            per_row=2,
        )
    return Reply("\n".join(lines), buttons, Expect.CHOICE if buttons else Expect.NOTHING)


async def record(
    ctx: Ctx, announcement: Announcement, action: str, outcome: str, detail: str | None = None
) -> None:
    village_id = announcement.village_ids[0] if announcement.village_ids else None
    await audit.record(
        ctx.session,
        at=ctx.now(),
        actor=actor(ctx),
        village_id=village_id,
        action=action,
        record_type="announcement",
        record_id=announcement.id,
        outcome=outcome,
        detail=detail,
    )


async def approve(ctx: Ctx, announcement: Announcement, version: int) -> list[Reply]:
    """A second official approves: scheduled (the dispatcher sends it when due)."""
    _ = admin_gettext(ctx)
    if ctx.msg.sender == announcement.author_id:
        await record(ctx, announcement, "approve", "refused", "own announcement")
        text = _("You wrote this announcement, so another official must approve it.")
        return [Reply(text, alert=True)]
    name = (ctx.msg.sender_name or ctx.msg.sender)[:100]
    won = await announcements.set_status(
        ctx.session,
        announcement.id,
        version,
        SCHEDULED,
        from_statuses=(AWAITING,),
        approver_id=ctx.msg.sender,
        approver_name=name,
    )
    await ctx.session.refresh(announcement)
    if not won:
        await record(ctx, announcement, "approve", "stale")
        return [await card(ctx, announcement, _("Someone else has already decided on it."))]
    await record(ctx, announcement, "approve", "done")
    return [await card(ctx, announcement, _("Approved. It will be sent when its time comes."))]


# --- refusing, with a reason -------------------------------------------------------------
@dataclass
class RefuseForm:
    chat: str = ""
    announcement_id: int = 0
    version: int = 0
    code: str = ""
    reason: str = ""


class ReasonStep(Step[RefuseForm]):
    name = "ann_reason"

    def question(self, ctx: Ctx, form: RefuseForm) -> Question:
        _ = admin_gettext(ctx)
        text = _("Why is {code} refused? Reply to this message with the reason.")
        return Question(text.format(code=form.code), expects=Expect.TEXT)

    async def take(self, ctx: Ctx, form: RefuseForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        reason = clean(answer.text)
        if answer.kind is not Kind.TEXT or not reason:
            return Invalid(_("Please reply with text."))
        problem = too_long(reason, REASON_MAX, _, ADMIN_LOCALE)
        if problem is not None:
            return problem
        form.reason = reason
        return None


class RefuseFlow(FormFlow[RefuseForm]):
    name = "announce_refuse"
    form_type = RefuseForm
    steps = (ReasonStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        code = str(ctx.state.form.get("code") or "") if ctx.state is not None else ""
        return f"📝 {code}"

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        _ = admin_gettext(ctx)
        return [Reply(_("Cancelled. The announcement was not changed."))]

    async def finish(self, ctx: Ctx, form: RefuseForm, key: str) -> Finished:
        _ = admin_gettext(ctx)
        found = await announcements.by_id(ctx.session, form.announcement_id)
        if found is None:
            return Finished([Reply(_("That announcement no longer exists."))])
        won = await announcements.set_status(
            ctx.session, found.id, form.version, CANCELLED, from_statuses=(AWAITING,)
        )
        await ctx.session.refresh(found)
        if not won:
            await record(ctx, found, "refuse", "stale")
            return Finished([await card(ctx, found, _("Someone else has already decided on it."))])
        await record(ctx, found, "refuse", "done", form.reason)
        note = _("Refused by {name}: {reason}").format(
            name=(ctx.msg.sender_name or ctx.msg.sender)[:100], reason=form.reason
        )
        return Finished([await card(ctx, found, note)])


REFUSE_FLOW = RefuseFlow()


def ask_reason(ctx: Ctx, announcement: Announcement, version: int) -> list[Reply]:
    form = RefuseForm(
        chat=ctx.msg.chat, announcement_id=announcement.id, version=version, code=announcement.code
    )
    return form_engine.start(ctx, REFUSE_FLOW, form)
