"""Layanan Surat, the officials' side: approve, ask for a fix, reject, ready, send the letter.

The kind declares its actions and card lines; the press, the note, the checks and the
card's frame come from `flows.cases.desk`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, village_of
from flows.cases.decision import refusal
from flows.cases.desk import Action, Desk
from flows.cases.lifecycle import notify_subscribers
from flows.cases.note import NoteForm, note_text
from flows.common.formatting import village_date
from flows.common.text import N_
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form_flow import Answer
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Reply
from flows.letters.card import (
    APPLICANT_EVENTS,
    APPROVE,
    DONE,
    FIX,
    INCOMPLETE,
    LETTER,
    MARK_READY,
    PICKED,
    READY,
    REJECT,
    REJECTED,
    REVIEW,
    SEND,
    SIGNING,
    LetterData,
    applicant_lines,
    applicant_view,
    document_media,
    flagged_labels,
    letter_body,
    letter_type_of,
)
from storage.models import Case, Citizen

REASON_MIN = 5

ACTIONS = (
    Action(
        APPROVE,
        N_("✅ Approve"),
        N_("approved"),
        to_status=SIGNING,
        shown_in=frozenset({REVIEW}),
    ),
    Action(
        FIX,
        N_("✏️ Ask for a fix"),
        N_("fix requested"),
        to_status=INCOMPLETE,
        shown_in=frozenset({REVIEW}),
        prompt=N_(
            "Reply with a note for the applicant: what is wrong and how to fix it. "
            "They will read it."
        ),
        done=N_("{code}: the applicant has been asked to fix it."),
    ),
    Action(
        REJECT,
        N_("⛔ Reject"),
        N_("rejected"),
        to_status=REJECTED,
        shown_in=frozenset({REVIEW, INCOMPLETE}),
        row=1,
        prompt=N_("Reply with the reason for rejecting it. The applicant will read it."),
        done=N_("{code} is rejected. The applicant has been told the reason."),
        closes=True,
    ),
    Action(
        MARK_READY,
        N_("🏢 Ready for pickup"),
        N_("ready for pickup"),
        to_status=READY,
        shown_in=frozenset({SIGNING}),
    ),
    Action(
        PICKED,
        N_("✅ Picked up"),
        N_("picked up"),
        to_status=DONE,
        shown_in=frozenset({READY}),
        closes=True,
    ),
    Action(
        SEND,
        N_("📄 Send letter"),
        N_("signed letter sent"),
        to_status=DONE,
        shown_in=frozenset({SIGNING, READY}),
        prompt=N_("Reply to this message with the signed letter, as a PDF file or a photo."),
        done=N_("{code}: the signed letter was sent to the applicant. The request is done."),
        closes=True,
    ),
)


class LetterDesk(Desk):
    kind = LETTER
    prefix = "s"
    icon = "📄"
    note_flow_name = "letter_note"
    actions = ACTIONS
    history_labels = APPLICANT_EVENTS
    citizen_role = N_("applicant")
    handled_text = N_("Already handled by {name}. Here is the request as it is now:")
    changed_text = N_("The applicant changed this request meanwhile. Here it is now:")
    queue_title = N_("📄 Letter requests, oldest first:")
    queue_empty = N_("No open letter requests. 🎉")
    # Waiting on officials: to be checked, or approved and waiting for a signature.
    waiting = frozenset({REVIEW, SIGNING})
    reminder = N_(
        "⏰ Reminder: letter request {code} has waited {age} and is past its expected date."
    )
    escalation = N_(
        "⏫ Escalation: letter request {code} has waited {age}, twice its processing time. "
        "{head}, please make sure it is finished."
    )

    def subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        return letter_type_of(village, LetterData.of(case)).name

    def queue_subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        return letter_type_of(village, LetterData.of(case)).short

    async def card_body(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        data = LetterData.of(case)
        letter = letter_type_of(village_of(services, case), data)
        return [*await applicant_lines(_, session, case), *letter_body(_, letter, data)]

    async def card_tail(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        village, data = village_of(services, case), LetterData.of(case)
        lines = []
        if case.due_at is not None:
            lines.append(_("Expected: {day}").format(day=village_date(case.due_at, village)))
        if case.status == INCOMPLETE and data.fix:
            what = ", ".join(flagged_labels(letter_type_of(village, data), data.fix["flags"], _))
            lines.append(_("Waiting for the applicant to fix: {what}").format(what=what))
        return lines

    def card_media(self, services: Services, case: Case) -> tuple[Media, ...]:
        data = LetterData.of(case)
        return document_media(letter_type_of(village_of(services, case), data), data.documents)

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        return await applicant_view(ctx, case)

    async def may_see(self, ctx: Ctx, case: Case, citizen_id: int) -> bool:
        return case.citizen_id == citizen_id

    async def press(self, ctx: Ctx, code: str, case: Case, version: int) -> list[Reply]:
        """As every desk presses; approving an unverified applicant's request says so."""
        replies = await super().press(ctx, code, case, version)
        if code == APPROVE and case.status == SIGNING and case.version == version + 1:
            applicant = await ctx.session.get(Citizen, case.citizen_id) if case.citizen_id else None
            if applicant is not None and applicant.verified_at is None:
                _ = admin_gettext(ctx)
                text = _(
                    "{code} is approved, but the applicant's registration is not verified "
                    "yet: check their data before the letter is signed."
                )
                replies.append(Reply(text.format(code=case.code)))
        return replies

    def cannot_press(self, ctx: Ctx, case: Case, action: Action) -> str | None:
        if action.code == FIX and not self.flag_options(ctx, case, action.code):
            _ = admin_gettext(ctx)
            return _("This request holds nothing to fix. Reject it with a reason instead.")
        return None

    async def on_reply(self, ctx: Ctx, case: Case) -> list[Reply] | None:
        """The signed letter sent as a reply to the card: the same as 📄 Kirim surat."""
        _ = admin_gettext(ctx)
        if case.status in (REVIEW, INCOMPLETE):
            text = _("Approve {code} first (✅ Approve), then send the signed letter.")
            return [Reply(text.format(code=case.code))]
        if case.status not in (SIGNING, READY):
            return await refusal(ctx, self, case)
        form = NoteForm(case_id=case.id, version=case.version, action=SEND, chat=ctx.msg.chat)
        answer = Answer(kind=ctx.msg.kind, text=ctx.msg.text, media_id=ctx.msg.media_id)
        await self.take_note(ctx, form, answer)
        return await self.apply_note(ctx, case, form)

    def flag_options(self, ctx: Ctx, case: Case, action: str) -> list[Button]:
        """For a fix: each field, document and the purpose the request holds."""
        if action != FIX:
            return []
        _ = admin_gettext(ctx)
        data = LetterData.of(case)
        letter = letter_type_of(village_of(ctx.services, case), data)
        options = [
            Button(f.label, f"field:{f.code}") for f in letter.fields if f.code in data.values
        ]
        options += [
            Button(f"📷 {d.label}", f"doc:{d.code}")
            for d in letter.documents
            if d.code in data.documents
        ]
        if letter.purpose:
            options.append(Button(_("Purpose"), "purpose"))
        return options

    async def take_note(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        text = note_text(ctx, answer)
        if isinstance(text, Invalid):
            return text
        if form.action == SEND:
            if answer.kind in (Kind.DOCUMENT, Kind.PHOTO) and answer.media_id:
                kind = MediaKind.DOCUMENT if answer.kind is Kind.DOCUMENT else MediaKind.PHOTO
                form.media_kind, form.media_id, form.note = kind.value, answer.media_id, text
                return None
            return Invalid(_("Please reply with the signed letter as a PDF file or a photo."))
        text = text if answer.kind is Kind.TEXT else ""
        if len(text) < REASON_MIN:
            if form.action == REJECT:
                return Invalid(_("A reason is required. Please write it in a few words."))
            return Invalid(_("Please write what needs fixing in a few words."))
        form.note = text
        return None

    async def values_for(
        self, ctx: Ctx, case: Case, action: Action, form: NoteForm
    ) -> dict[str, object]:
        data = LetterData.of(case)
        if action.code == FIX:
            data.fix = {"flags": form.flags, "note": form.note}
        elif action.code == SEND:
            data.signed = {"kind": form.media_kind, "ref": form.media_id, "note": form.note}
        else:
            return {}
        return {"data": data.to_json(case.data)}

    async def after(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> None:
        await _tell_applicant(ctx, case, action.code, form.note)


async def _tell_applicant(ctx: Ctx, case: Case, action: str, note: str = "") -> None:
    """Tell the applicant what changed, in their own language."""
    village = village_of(ctx.services, case)
    data = LetterData.of(case)
    letter = letter_type_of(village, data)

    def compose(gettext: Gettext, locale: str) -> Reply:
        head = gettext("Letter request {code} ({name}): {status}.").format(
            code=case.code, name=letter.name, status=gettext(LETTER.labels[case.status])
        )
        if action == APPROVE:
            # The head line already says "Awaiting signature": say what comes next.
            body = gettext(
                "Your request is approved. The village head signs the letter next; we will "
                "tell you as soon as it is ready."
            )
        elif action == MARK_READY:
            hours = "; ".join(f"{h.days} {h.hours}" for h in village.office_hours)
            body = gettext(
                "Your letter is ready. Collect it at the village office, {address}, during "
                "office hours ({hours}). Bring your KTP."
            ).format(address=village.address or village.name, hours=hours or "-")
        elif action == FIX and data.fix:
            what = ", ".join(flagged_labels(letter, data.fix["flags"], gettext))
            body = gettext(
                "Officials ask you to fix: {what}.\nTheir note: {note}\n\n"
                "Tap ✏️ Fix now; only these will be asked again."
            ).format(what=what, note=note)
            button = Button(gettext("✏️ Fix now"), f"surat:fix:{case.id}")
            return Reply(f"{head}\n\n{body}", ((button,),), Expect.CHOICE)
        elif action == REJECT:
            body = gettext("Reason: {note}").format(note=note)
        elif action == SEND and data.signed:
            signed = data.signed
            body = gettext("Here is your signed letter. Keep the file; you can print it.")
            if signed["note"]:
                said = gettext("Note from the village office: {note}")
                body += "\n" + said.format(note=signed["note"])
            media = (Media(MediaKind(signed["kind"]), signed["ref"]),)
            return Reply(f"{head}\n\n{body}", media=media)
        else:
            body = gettext("Thank you. The request is complete.")
        return Reply(f"{head}\n\n{body}")

    await notify_subscribers(
        ctx,
        case,
        compose,
        reporter_only=True,
        key=f"letter:{case.id}:{case.version}",
        purpose="letter_ready" if action in (MARK_READY, SEND) else "case_status",
        values=lambda gettext: {
            "letter": letter.name,
            "status": gettext(LETTER.labels[case.status]),
        },
    )


DESK = LetterDesk()
