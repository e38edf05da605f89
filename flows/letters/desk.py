"""Layanan Surat, the officials' side: approve, ask for a fix, reject, ready, send the letter."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, village_of
from flows.cases.desk import (
    Desk,
    NoteForm,
    ask_note,
    decide,
    refusal,
)
from flows.cases.lifecycle import notify_subscribers
from flows.common.text import N_, clean
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.form import Answer
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Reply
from flows.letters.card import (
    ACTION_LABELS,
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
    applicant_view,
    flagged_labels,
    letter_type_of,
    render_card,
)
from storage.models import Case

REASON_MIN = 5


class LetterDesk(Desk):
    kind = LETTER
    prefix = "s"
    note_flow_name = "letter_note"
    actions = frozenset({APPROVE, FIX, REJECT, MARK_READY, SEND, PICKED})
    action_labels = ACTION_LABELS
    citizen_role = N_("applicant")
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

    async def render(
        self, services: Services, session: AsyncSession, case: Case, note: str = ""
    ) -> Reply:
        return await render_card(services, session, case, note)

    def queue_line(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        letter = letter_type_of(village, case.data)
        return f"{case.code} · {letter.short} · {_(LETTER.labels[case.status])}"

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        return await applicant_view(ctx, case)

    async def may_see(self, ctx: Ctx, case: Case, citizen_id: int) -> bool:
        return case.citizen_id == citizen_id

    async def press(self, ctx: Ctx, action: str, case: Case, version: int) -> list[Reply]:
        if action == FIX and not self.flag_options(ctx, case, action):
            _ = admin_gettext(ctx)
            return [Reply(_("This request holds nothing to fix. Reject it with a reason instead."))]
        if action in (FIX, REJECT, SEND):
            return ask_note(ctx, self, case, action, version)
        target = {APPROVE: SIGNING, MARK_READY: READY, PICKED: DONE}[action]
        values: dict[str, object] = {"closed_at": ctx.now()} if target == DONE else {}
        changed = await decide(
            ctx, self, case, version=version, to_status=target, action=action, values=values
        )
        if isinstance(changed, list):
            return changed
        await _tell_applicant(ctx, case, action)
        await self.refresh(ctx, case)  # the pressed message may be a /kasus copy
        return [await render_card(ctx.services, ctx.session, case)]

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
        letter = letter_type_of(village_of(ctx.services, case), case.data)
        values, documents = case.data.get("values", {}), case.data.get("documents", {})
        options = [Button(f.label, f"field:{f.code}") for f in letter.fields if f.code in values]
        options += [
            Button(f"📷 {d.label}", f"doc:{d.code}")
            for d in letter.documents
            if d.code in documents
        ]
        if letter.purpose:
            options.append(Button(_("Purpose"), "purpose"))
        return options

    def note_prompt(self, _: Gettext, form: NoteForm) -> str:
        prompts = {
            FIX: _(
                "Reply with a note for the applicant: what is wrong and how to fix it. "
                "They will read it."
            ),
            REJECT: _("Reply with the reason for rejecting it. The applicant will read it."),
            SEND: _("Reply to this message with the signed letter, as a PDF file or a photo."),
        }
        return prompts[form.action]

    async def take_note(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        if form.action == SEND:
            if answer.kind in (Kind.DOCUMENT, Kind.PHOTO) and answer.media_id:
                kind = MediaKind.DOCUMENT if answer.kind is Kind.DOCUMENT else MediaKind.PHOTO
                form.media_kind, form.media_id = kind.value, answer.media_id
                form.note = clean(answer.text)[:1000]
                return None
            return Invalid(_("Please reply with the signed letter as a PDF file or a photo."))
        text = clean(answer.text)[:1000] if answer.kind is Kind.TEXT else ""
        if len(text) < REASON_MIN:
            if form.action == REJECT:
                return Invalid(_("A reason is required. Please write it in a few words."))
            return Invalid(_("Please write what needs fixing in a few words."))
        form.note = text
        return None

    async def apply_note(self, ctx: Ctx, case: Case, form: NoteForm) -> list[Reply]:
        _ = admin_gettext(ctx)
        now = ctx.now()
        values: dict[str, object] = {}
        if form.action == FIX:
            target = INCOMPLETE
            values["data"] = {**case.data, "fix": {"flags": form.flags, "note": form.note}}
        elif form.action == REJECT:
            target, values["closed_at"] = REJECTED, now
        else:
            target, values["closed_at"] = DONE, now
            signed = {"kind": form.media_kind, "ref": form.media_id, "note": form.note}
            values["data"] = {**case.data, "signed": signed}
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
        await _tell_applicant(ctx, case, form.action, form.note)
        await self.refresh(ctx, case)
        done = {
            FIX: _("{code}: the applicant has been asked to fix it."),
            REJECT: _("{code} is rejected. The applicant has been told the reason."),
            SEND: _("{code}: the signed letter was sent to the applicant. The request is done."),
        }[form.action]
        return [Reply(done.format(code=case.code))]


async def _tell_applicant(ctx: Ctx, case: Case, action: str, note: str = "") -> None:
    """Tell the applicant what changed, in their own language."""
    village = village_of(ctx.services, case)
    letter = letter_type_of(village, case.data)

    def compose(gettext: Gettext, locale: str) -> Reply:
        head = gettext("Letter request {code} ({name}): {status}.").format(
            code=case.code, name=letter.name, status=gettext(LETTER.labels[case.status])
        )
        if action == APPROVE:
            body = gettext("It is approved and waiting for the village head's signature.")
        elif action == MARK_READY:
            hours = "; ".join(f"{h.days} {h.hours}" for h in village.office_hours)
            body = gettext(
                "Your letter is ready. Collect it at the village office, {address}, during "
                "office hours ({hours}). Bring your KTP."
            ).format(address=village.address or village.name, hours=hours or "-")
        elif action == FIX:
            what = ", ".join(flagged_labels(letter, case.data["fix"]["flags"], gettext))
            body = gettext(
                "Officials ask you to fix: {what}.\nTheir note: {note}\n\n"
                "Tap ✏️ Fix now; only these will be asked again."
            ).format(what=what, note=note)
            button = Button(gettext("✏️ Fix now"), f"surat:fix:{case.id}")
            return Reply(f"{head}\n\n{body}", ((button,),), Expect.CHOICE)
        elif action == REJECT:
            body = gettext("Reason: {note}").format(note=note)
        elif action == SEND:
            body = gettext("Here is your signed letter. Keep the file; you can print it.")
            if case.data["signed"].get("note"):
                said = gettext("Note from the village office: {note}")
                body += "\n" + said.format(note=case.data["signed"]["note"])
            signed = case.data["signed"]
            media = (Media(MediaKind(signed["kind"]), signed["ref"]),)
            return Reply(f"{head}\n\n{body}", media=media)
        else:
            body = gettext("Thank you. The request is complete.")
        return Reply(f"{head}\n\n{body}")

    await notify_subscribers(
        ctx, case, compose, reporter_only=True, key=f"letter:{case.id}:{case.version}"
    )


DESK = LetterDesk()
