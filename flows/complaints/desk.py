"""Pengaduan, the officials' side: what each card button does, and the follow-up timer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, village_of
from flows.cases.desk import Desk, NoteForm, ask_note, decide, official_name
from flows.cases.lifecycle import notify_subscribers
from flows.common.text import N_, clean
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.complaints import reporter
from flows.complaints.card import (
    ACTION_LABELS,
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
    refresh_card,
    render_card,
)
from flows.complaints.categories import category_of
from flows.complaints.followup import question as followup_question
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form import Answer
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Outbound, Reply
from storage import cases, people
from storage.models import Case


class ComplaintDesk(Desk):
    kind = COMPLAINT
    prefix = "c"
    note_flow_name = "case_note"
    actions = frozenset({TAKE, ASK, RESOLVE, REJECT, DUP})
    action_labels = ACTION_LABELS
    citizen_role = N_("reporter")
    queue_title = N_("📢 Open complaints, oldest first:")
    queue_empty = N_("No open complaints. 🎉")
    waiting = frozenset({NEW})
    reminder = N_(
        "⏰ Reminder: complaint {code} has waited {age}, past its response time. "
        "Tap 🛠️ Take on its card."
    )
    escalation = N_(
        "⏫ Escalation: complaint {code} has waited {age} and nobody has taken it. "
        "{head}, please make sure it is handled."
    )

    async def render(
        self, services: Services, session: AsyncSession, case: Case, note: str = ""
    ) -> Reply:
        return await render_card(services, session, case, note)

    def queue_line(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        category = category_of(village, case.data.get("category", ""))
        status = _(COMPLAINT.labels[case.status])
        return f"{case.code} · {_(category.name)} · {status}"

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        return await reporter.case_for_reporter(ctx, case)

    async def press(self, ctx: Ctx, action: str, case: Case, version: int) -> list[Reply]:
        if action != TAKE:
            return ask_note(ctx, self, case, action, version)
        name = official_name(ctx)
        changed = await decide(
            ctx,
            self,
            case,
            version=version,
            to_status=IN_PROGRESS,
            action=TAKE,
            values={"assignee": name},
        )
        if isinstance(changed, list):
            return changed
        await _tell_status(ctx, case, note="")
        await refresh_card(ctx, case)  # the pressed message may be a /kasus copy
        return [await render_card(ctx.services, ctx.session, case)]

    def note_prompt(self, _: Gettext, form: NoteForm) -> str:
        prompts = {
            ASK: _("Reply to this message with your question for the reporter."),
            RESOLVE: _(
                "Reply with what was done (a photo with a caption is welcome), or send - to "
                "close it without a note."
            ),
            REJECT: _("Reply with the reason for rejecting it. The reporter will read it."),
            DUP: _("Reply with the code of the report this one duplicates, e.g. ADU-7K3Q."),
        }
        return prompts[form.action]

    async def take_note(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        text = clean(answer.text)[:1000]
        if form.action == RESOLVE and answer.kind is Kind.PHOTO and answer.media_id:
            form.media_kind, form.media_id, form.note = MediaKind.PHOTO.value, answer.media_id, text
            return None
        if answer.kind is not Kind.TEXT or not text:
            return Invalid(_("Please reply with text."))
        if form.action == RESOLVE and text == "-":
            text = ""
        if form.action == DUP:
            this = await cases.by_id(ctx.session, form.case_id)
            code = text.split()[0]
            other = await cases.by_code(ctx.session, this.village_id, code) if this else None
            if (
                this is None
                or other is None
                or other.id == this.id
                or other.kind != COMPLAINT.name
                or other.village_id != this.village_id
            ):
                return Invalid(_("No other report has the code {code}.").format(code=text[:20]))
            text = other.code
        form.note = text
        return None

    async def apply_note(self, ctx: Ctx, case: Case, form: NoteForm) -> list[Reply]:
        _ = admin_gettext(ctx)
        now = ctx.now()
        target = {ASK: AWAITING, RESOLVE: DONE, REJECT: REJECTED, DUP: DUPLICATE}[form.action]
        values: dict[str, object] = {}
        if target in (DONE, REJECTED, DUPLICATE):
            values["closed_at"] = now
        if target == DONE:
            village = village_of(ctx.services, case)
            values["followup_at"] = now + timedelta(days=village.followup_days)
            values["data"] = {
                **case.data,
                "resolution": form.note,
                "resolution_photo": form.media_id,
            }
        if target == DUPLICATE:
            other = await cases.by_code(ctx.session, case.village_id, form.note)
            values["related_case_id"] = other.id if other else None
        changed = await decide(
            ctx,
            self,
            case,
            version=form.version,
            to_status=target,
            action=form.action,
            note=form.note or None,
            values=values,
        )
        if isinstance(changed, list):
            return changed
        if form.action == ASK:
            await _relay_question(ctx, case, form.note)
        elif form.action == DUP:
            await _merge_into(ctx, case, form.note)
        else:
            await _tell_status(ctx, case, form.note)
            if form.media_id:
                photo = Media(MediaKind.PHOTO, form.media_id)
                await notify_subscribers(
                    ctx,
                    case,
                    lambda _g, _l: Reply("📷", media=(photo,)),
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


async def _relay_question(ctx: Ctx, case: Case, question: str) -> None:
    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext("A question from the village office about report {code}:\n\n{question}")
        button = Button(gettext("✍️ Answer"), f"case:answer:{case.id}")
        return Reply(text.format(code=case.code, question=question), ((button,),), Expect.CHOICE)

    await notify_subscribers(
        ctx, case, compose, reporter_only=True, key=f"question:{case.id}:{case.version}"
    )


async def _merge_into(ctx: Ctx, case: Case, other_code: str) -> None:
    other = await cases.by_code(ctx.session, case.village_id, other_code)
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


async def followups_due(services: Services, session: AsyncSession) -> list[Outbound]:
    """Ask reporters, some days after a complaint is done, whether it really is."""
    messages = []
    for case in await cases.followups_due(session, DONE, services.clock()):
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


DESK = ComplaintDesk()
