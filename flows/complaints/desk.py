"""Pengaduan, the officials' side: the card's actions and lines, what reporters are told,
and the follow-up timer. Pressing, notes and checks come from `flows.cases.desk`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, case_topic, village_of
from flows.cases.decision import official_name
from flows.cases.desk import Action, Desk
from flows.cases.lifecycle import notify_subscribers
from flows.cases.note import NoteForm, note_text
from flows.common.text import N_
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.complaints import reporter
from flows.complaints.card import (
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
    RESIDENT_EVENTS,
    RESOLVE,
    TAKE,
    ComplaintData,
    complaint_body,
    complaint_media,
    reporter_lines,
)
from flows.complaints.categories import category_of
from flows.complaints.followup import question as followup_question
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form_flow import Answer
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Outbound, Reply
from storage import cases, links
from storage.models import Case

ACTIONS = (
    Action(
        TAKE,
        N_("🛠️ Take"),
        N_("taken"),
        to_status=IN_PROGRESS,
        # Not while it is in progress already: pressing it again would change nothing.
        # While waiting for the reporter, it goes on without their answer.
        shown_in=frozenset({NEW, AWAITING}),
    ),
    Action(
        ASK,
        N_("❓ Ask reporter"),
        N_("question sent to the reporter"),
        to_status=AWAITING,
        shown_in=COMPLAINT.open_statuses,
        prompt=N_("Reply to this message with your question for the reporter."),
        done=N_("Question sent to the reporter of {code}."),
    ),
    Action(
        RESOLVE,
        N_("✅ Done"),
        N_("marked done"),
        to_status=DONE,
        shown_in=COMPLAINT.open_statuses,
        row=1,
        prompt=N_(
            "Reply with what was done (a photo with a caption is welcome), or send - to "
            "close it without a note."
        ),
        done=N_("{code} is marked done. The reporter has been told."),
        closes=True,
    ),
    Action(
        REJECT,
        N_("⛔ Reject"),
        N_("rejected"),
        to_status=REJECTED,
        shown_in=COMPLAINT.open_statuses,
        row=1,
        prompt=N_("Reply with the reason for rejecting it. The reporter will read it."),
        done=N_("{code} is rejected. The reporter has been told the reason."),
        closes=True,
    ),
    Action(
        DUP,
        N_("🔁 Duplicate"),
        N_("marked as a duplicate"),
        to_status=DUPLICATE,
        shown_in=COMPLAINT.open_statuses,
        row=1,
        prompt=N_("Reply with the code of the report this one duplicates, e.g. ADU-7K3Q."),
        done=N_("{code} is marked as a duplicate. Its reporters now follow the other report."),
        closes=True,
    ),
)


class ComplaintDesk(Desk):
    kind = COMPLAINT
    prefix = "c"
    icon = "📢"
    note_flow_name = "case_note"
    actions = ACTIONS
    history_labels = RESIDENT_EVENTS
    citizen_role = N_("reporter")
    handled_text = N_("Already handled by {name}. Here is the report as it is now:")
    changed_text = N_("The reporter has just answered or added to this report. Here it is now:")
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

    def subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        return _(category_of(village, ComplaintData.of(case).category).name)

    async def card_body(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        return complaint_body(_, ComplaintData.of(case))

    async def card_tail(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        return await reporter_lines(_, session, case)

    def card_media(self, services: Services, case: Case) -> tuple[Media, ...]:
        return complaint_media(ComplaintData.of(case))

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        return await reporter.case_for_reporter(ctx, case)

    async def take_note(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        text = note_text(ctx, answer)
        if isinstance(text, Invalid):
            return text
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

    async def values_for(
        self, ctx: Ctx, case: Case, action: Action, form: NoteForm
    ) -> dict[str, object]:
        if action.code == TAKE:
            return {"assignee": official_name(ctx)}
        if action.code == RESOLVE:
            village = village_of(ctx.services, case)
            data = ComplaintData.of(case)
            data.resolution, data.resolution_photo = form.note, form.media_id or None
            return {
                "followup_at": ctx.now() + timedelta(days=village.followup_days),
                "data": data.to_json(case.data),
            }
        if action.code == DUP:
            other = await cases.by_code(ctx.session, case.village_id, form.note)
            return {"related_case_id": other.id if other else None}
        return {}

    async def after(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> None:
        if action.code == ASK:
            await _relay_question(ctx, case, form.note)
        elif action.code == DUP:
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


async def _tell_status(ctx: Ctx, case: Case, note: str) -> None:
    """Tell reporter and supporters the new status, each in their language."""

    def compose(gettext: Gettext, locale: str) -> Reply:
        text = gettext("Report {code}: the status is now {status}.").format(
            code=case.code, status=gettext(COMPLAINT.labels[case.status])
        )
        if note:
            text += "\n\n" + gettext("Note from the village office: {note}").format(note=note)
        return Reply(text)

    await notify_subscribers(
        ctx,
        case,
        compose,
        key=f"status:{case.id}:{case.version}",
        purpose="case_status",
        values=lambda gettext: {"status": gettext(COMPLAINT.labels[case.status])},
    )


async def _relay_question(ctx: Ctx, case: Case, question: str) -> None:
    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext("A question from the village office about report {code}:\n\n{question}")
        button = Button(gettext("✍️ Answer"), f"case:answer:{case.id}")
        return Reply(text.format(code=case.code, question=question), ((button,),), Expect.CHOICE)

    await notify_subscribers(
        ctx,
        case,
        compose,
        reporter_only=True,
        key=f"question:{case.id}:{case.version}",
        purpose="official_question",
        values=lambda _g: {"question": question},
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
    await DESK.refresh(ctx, other)


async def followups_due(services: Services, session: AsyncSession) -> list[Outbound]:
    """Ask reporters, some days after a complaint is done, whether it really is."""
    messages = []
    for case in await cases.followups_due(session, DONE, services.clock()):
        # Asked once, and only of a report still as read (not reopened meanwhile).
        if not await cases.set_if_unchanged(
            session, case.id, case.version, {"followup_at": None}, still_set=("followup_at",)
        ):
            continue
        village = services.village_by_id(case.village_id)
        village_name = village.name if village is not None else ""
        for identity in await links.notified(session, case.citizen_id or 0):
            gettext = services.translations(identity.locale).gettext
            messages.append(
                Outbound(
                    identity.channel,
                    identity.external_id,
                    followup_question(gettext, case),
                    dedupe_key=f"followup:{case.id}:{case.version}:{identity.id}",
                    purpose="followup",
                    values=(("code", case.code), ("village", village_name)),
                    topic=case_topic(case),
                    village=village.code if village is not None else None,
                )
            )
    return messages


DESK = ComplaintDesk()
