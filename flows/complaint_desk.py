"""Pengaduan, the officials' side: card buttons, notes, queue, history, reminders.

Card buttons carry `c:<action>:<case id>:<version shown>`; the version is checked again
when the action lands, so a stale card or a second official's press changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases import (
    Refused,
    change_status,
    notify_subscribers,
    record_official,
)
from flows.complaint_card import (
    ASK,
    AWAITING,
    COMPLAINT,
    DONE,
    DUP,
    DUPLICATE,
    IN_PROGRESS,
    NEW,
    REJECT,
    REJECTED,
    RESOLVE,
    TAKE,
    Gettext,
    action_label,
    age_text,
    card_key,
    refresh_card,
    render_card,
    village_of,
)
from flows.complaint_categories import category_of
from flows.complaint_followup import question as followup_question
from flows.context import Ctx, Services
from flows.engine import Answer, Finished, FormFlow, Question, Reask, Step
from flows.formatting import village_time
from flows.officials import ADMIN_LOCALE, admin_gettext
from flows.text import clean
from flows.types import Button, Expect, Kind, Media, MediaKind, Outbound, Reply
from flows.validation import Invalid
from storage import cases, people
from storage.models import Case

log = logging.getLogger(__name__)


# --- officials' actions -------------------------------------------------------------------
def _parse(value: str) -> tuple[str, int, int] | None:
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    if not (case_id.isdigit() and version.isdigit()):
        return None
    return action, int(case_id), int(version)


async def on_card_button(ctx: Ctx, value: str) -> list[Reply]:
    """An official pressed a button on a case card."""
    _ = admin_gettext(ctx)
    parsed = _parse(value)
    case = await cases.by_id(ctx.session, parsed[1]) if parsed else None
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if (
        parsed is None
        or case is None
        or village is None
        or (ctx.services.village_ids.get(village.code) != case.village_id)
        or case.kind != COMPLAINT.name
    ):
        return [Reply(_("This card is not valid in this group."))]
    action, _id, version = parsed
    if action not in (TAKE, ASK, RESOLVE, REJECT, DUP):
        return [Reply(_("This card is not valid in this group."))]
    # Only open cases take officials' actions; a closed one reopens only by its reporter.
    if case.version != version or case.status not in COMPLAINT.open_statuses:
        await record_official(ctx, case, action, "stale")
        return await _refused(ctx, Refused(_stale_text(ctx, case), case))
    if action == TAKE:
        return await take(ctx, case, version)
    form = NoteForm(case_id=case.id, version=version, action=action, chat=ctx.msg.chat)
    return ctx.services.catalog.engine.start(ctx, NoteFlow.name, form)


def _stale_text(ctx: Ctx, case: Case) -> str:
    _ = admin_gettext(ctx)
    who = case.assignee or _("another official")
    return _("Already handled by {name}. Here is the case as it is now:").format(name=who)


async def _refused(ctx: Ctx, refused: Refused) -> list[Reply]:
    card = await render_card(ctx.services, ctx.session, refused.case)
    return [Reply(refused.message), card]


def _official_name(ctx: Ctx) -> str:
    return (ctx.msg.sender_name or ctx.msg.sender)[:100]


async def take(ctx: Ctx, case: Case, version: int) -> list[Reply]:
    name = _official_name(ctx)
    changed = await change_status(
        ctx,
        COMPLAINT,
        case,
        seen_version=version,
        to_status=IN_PROGRESS,
        actor=name,
        action=TAKE,
        values={"assignee": name},
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, TAKE, "stale")
        changed = Refused(_stale_text(ctx, case), changed.case)
        return await _refused(ctx, changed)
    await record_official(ctx, case, TAKE, "done")
    await _tell_status(ctx, case, note="")
    await refresh_card(ctx, case)  # the pressed message may be a /kasus copy
    return [await render_card(ctx.services, ctx.session, case)]


async def _tell_status(ctx: Ctx, case: Case, note: str) -> None:
    """Tell reporter and supporters the new status, each in their language."""

    def compose(gettext: Gettext, locale: str) -> Reply:
        text = gettext("Report {code}: the status is now {status}.").format(
            code=case.code, status=gettext(COMPLAINT.labels[case.status])
        )
        if note:
            text += "\n\n" + gettext("Note from the village office: {note}").format(note=note)
        return Reply(text)

    await notify_subscribers(ctx, case, compose, key=f"status:{case.id}:{case.version}")


@dataclass
class NoteForm:
    case_id: int = 0
    version: int = 0
    action: str = ""
    chat: str = ""
    note: str = ""
    photo: str = ""


class NoteStep(Step[NoteForm]):
    """The official's text for an action: a question, a reason, a resolution, a code."""

    name = "note"

    def question(self, ctx: Ctx, form: NoteForm) -> Question:
        _ = admin_gettext(ctx)
        prompts = {
            ASK: _("Reply to this message with your question for the reporter."),
            RESOLVE: _(
                "Reply with what was done (a photo with a caption is welcome), or send - to "
                "close it without a note."
            ),
            REJECT: _("Reply with the reason for rejecting it. The reporter will read it."),
            DUP: _("Reply with the code of the report this one duplicates, e.g. ADU-7K3Q."),
        }
        cancel = _("To cancel, type /batal.")
        return Question(f"{prompts[form.action]}\n{cancel}", expects=Expect.TEXT)

    async def take(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        text = clean(answer.text)[:1000]
        if form.action == RESOLVE and answer.kind is Kind.PHOTO and answer.media_id:
            form.photo, form.note = answer.media_id, text
            return None
        if answer.kind is not Kind.TEXT or not text:
            return Invalid(_("Please reply with text."))
        if form.action == RESOLVE and text == "-":
            text = ""
        if form.action == DUP:
            other = await cases.by_code(ctx.session, text.split()[0])
            if other is None or other.id == form.case_id or other.kind != COMPLAINT.name:
                return Invalid(_("No other report has the code {code}.").format(code=text[:20]))
            if (
                other.village_id
                != (await cases.by_id(ctx.session, form.case_id) or other).village_id
            ):
                return Invalid(_("No other report has the code {code}.").format(code=text[:20]))
            text = other.code
        form.note = text
        return None


class NoteFlow(FormFlow[NoteForm]):
    name = "case_note"
    form_type = NoteForm
    steps = (NoteStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return admin_gettext(ctx)("📢 Case")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [Reply(admin_gettext(ctx)("Cancelled. The case was not changed."))]

    async def finish(self, ctx: Ctx, form: NoteForm, key: str) -> Finished | Reask:
        case = await cases.by_id(ctx.session, form.case_id)
        if case is None:
            return Finished([Reply(admin_gettext(ctx)("That case no longer exists."))])
        return Finished(await apply_note(ctx, case, form))


async def apply_note(ctx: Ctx, case: Case, form: NoteForm) -> list[Reply]:
    _ = admin_gettext(ctx)
    name = _official_name(ctx)
    now = ctx.now()
    target = {ASK: AWAITING, RESOLVE: DONE, REJECT: REJECTED, DUP: DUPLICATE}[form.action]
    values: dict[str, object] = {}
    if case.assignee is None:
        values["assignee"] = name
    if target in (DONE, REJECTED, DUPLICATE):
        values["closed_at"] = now
    if target == DONE:
        village = village_of(ctx.services, case)
        values["followup_at"] = now + timedelta(days=village.followup_days)
        values["data"] = {**case.data, "resolution": form.note, "resolution_photo": form.photo}
    if target == DUPLICATE:
        other = await cases.by_code(ctx.session, form.note)
        values["related_case_id"] = other.id if other else None
    changed = await change_status(
        ctx,
        COMPLAINT,
        case,
        seen_version=form.version,
        to_status=target,
        actor=name,
        action=form.action,
        note=form.note or None,
        values=values,
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, form.action, "stale")
        return await _refused(ctx, Refused(_stale_text(ctx, case), changed.case))
    await record_official(ctx, case, form.action, "done")
    if form.action == ASK:
        await _relay_question(ctx, case, form.note)
    elif form.action == DUP:
        await _merge_into(ctx, case, form.note)
    else:
        await _tell_status(ctx, case, form.note)
        if form.photo:
            await notify_subscribers(
                ctx,
                case,
                lambda _g, _l: Reply("📷", media=(Media(MediaKind.PHOTO, form.photo),)),
                key=f"resolution-photo:{case.id}:{case.version}",
            )
    await refresh_card(ctx, case)
    done = {
        ASK: _("Question sent to the reporter of {code}."),
        RESOLVE: _("{code} is marked done. The reporter has been told."),
        REJECT: _("{code} is rejected. The reporter has been told the reason."),
        DUP: _("{code} is marked as a duplicate. Its reporters now follow the other report."),
    }[form.action]
    return [Reply(done.format(code=case.code))]


async def _relay_question(ctx: Ctx, case: Case, question: str) -> None:
    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext("A question from the village office about report {code}:\n\n{question}")
        button = Button(gettext("✍️ Answer"), f"case:answer:{case.id}")
        return Reply(text.format(code=case.code, question=question), ((button,),), Expect.CHOICE)

    await notify_subscribers(
        ctx, case, compose, reporter_only=True, key=f"question:{case.id}:{case.version}"
    )


async def _merge_into(ctx: Ctx, case: Case, other_code: str) -> None:
    other = await cases.by_code(ctx.session, other_code)
    if other is None:
        return
    for subscriber in await cases.subscribers(ctx.session, case.id):
        await cases.subscribe(
            ctx.session, other.id, subscriber.citizen_id, cases.SUPPORTER, ctx.now()
        )

    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext(
            "Report {code} is about the same problem as report {other}, so officials handle "
            "them together. You will now hear about {other}."
        )
        return Reply(text.format(code=case.code, other=other.code))

    await notify_subscribers(ctx, case, compose, key=f"duplicate:{case.id}")
    await refresh_card(ctx, other)


# --- the admin chat's commands -----------------------------------------------------------
async def queue(ctx: Ctx) -> list[Reply]:
    """/antrian: open complaints, oldest first, with age and status."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if village is None:
        return []
    open_cases = await cases.in_status(
        ctx.session,
        sorted(COMPLAINT.open_statuses),
        village_id=ctx.services.village_ids[village.code],
        kinds=[COMPLAINT.name],
    )
    if not open_cases:
        return [Reply(_("No open complaints. 🎉"))]
    lines = [_("📋 Open complaints, oldest first:"), ""]
    for case in open_cases:
        category = category_of(village, case.data.get("category", ""))
        age = age_text(_, ctx.now() - case.created_at)
        status = _(COMPLAINT.labels[case.status])
        lines.append(f"• {case.code} · {_(category.name)} · {status} · {age}")
    lines += ["", _("Type /kasus CODE to see one case with its history.")]
    return [Reply("\n".join(lines))]


async def show_case(ctx: Ctx) -> list[Reply]:
    """/kasus CODE: one case's card and its history."""
    _ = admin_gettext(ctx)
    words = ctx.msg.text.split()
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    case = await cases.by_code(ctx.session, words[1]) if len(words) > 1 else None
    if village is None or case is None or case.village_id != ctx.services.village_ids[village.code]:
        return [
            Reply(_("Type /kasus followed by a case code of this village, e.g. /kasus ADU-7K3Q."))
        ]
    history = [_("History of {code}:").format(code=case.code)]
    for event in await cases.events(ctx.session, case.id):
        actor = _("reporter") if event.actor == "citizen" else event.actor
        line = f"• {village_time(event.at, village)} · {actor} · {action_label(_, event.action)}"
        if event.to_status and event.to_status != event.from_status:
            line += f" → {_(COMPLAINT.labels.get(event.to_status, event.to_status))}"
        if event.note:
            line += f": {event.note}"
        history.append(line)
    card = await render_card(ctx.services, ctx.session, case)
    return [
        Reply(card.text, card.buttons, card.expects, media=card.media),
        Reply("\n".join(history)),
    ]


# --- time-driven: reminders, escalation, follow-up ----------------------------------------
async def due_messages(services: Services, session: AsyncSession) -> list[Outbound]:
    """Reminders and escalations for untouched complaints, and follow-up questions.

    Each case is reminded once when its category's response time passes with nobody
    taking it, and escalated once (naming the village head) at twice that time.
    """
    _ = services.translations(ADMIN_LOCALE).gettext
    now, messages = services.clock(), []
    for case in await cases.due(session, [NEW], now):
        try:
            village = village_of(services, case)
        except LookupError:
            log.warning("case %s belongs to a village no longer in the config", case.id)
            continue
        late = now - case.created_at
        window = (case.due_at or now) - case.created_at
        if case.escalated_at is None and late >= 2 * window:
            text = _(
                "⏫ Escalation: complaint {code} has waited {age} and nobody has taken it. "
                "{head}, please make sure it is handled."
            ).format(
                code=case.code,
                age=age_text(_, late),
                head=village.head_name or _("the village head"),
            )
            case.escalated_at = case.reminded_at = now
            kind = "escalation"
        elif case.reminded_at is None:
            text = _(
                "⏰ Reminder: complaint {code} has waited {age}, past its response time. "
                "Tap 🛠️ Take on its card."
            ).format(code=case.code, age=age_text(_, late))
            case.reminded_at = now
            kind = "reminder"
        else:
            continue
        messages.append(
            Outbound(
                services.admin_channel,
                village.admin_chat_id,
                Reply(text),
                dedupe_key=f"{kind}:{case.id}",
                reply_to_key=card_key(case),
                thread_id=village.admin_topic_id,
            )
        )
    for case in await cases.followups_due(session, DONE, now):
        case.followup_at = None
        for identity in await people.identities_of(session, case.citizen_id or 0):
            gettext = services.translations(identity.locale).gettext
            messages.append(
                Outbound(
                    identity.channel,
                    identity.external_id,
                    followup_question(gettext, case),
                    dedupe_key=f"followup:{case.id}:{case.version}:{identity.id}",
                )
            )
    return messages


ADMIN_FLOWS = (NoteFlow(),)
