"""Layanan Surat, the applicant's request form: letter -> its fields -> document photos ->
purpose -> send (choosing pickup or the signed file in the chat), which opens the case; the
same form sends the fix of a request officials sent back. The questions themselves are in
`steps.py`, the form they fill in `request_form.py`; starting a fix in `fix.py`; starting a
request, "Surat saya" and a request's buttons in `entry.py`.

Officials' side lives in `desk.py`. Diagram: letters.mmd beside this file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.cases.card import post_card, to_card_thread
from flows.cases.lifecycle import Refused, change_status, open_case
from flows.common.formatting import masked_nik, rt_rw, village_date
from flows.common.letter_types import LetterType
from flows.common.workdays import add_working_days
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask, Step
from flows.engine.menu import main_menu
from flows.engine.types import Button, Reply
from flows.letters.card import (
    IN_CHAT,
    INCOMPLETE,
    LETTER,
    PICKUP,
    REVIEW,
    LetterData,
    document_media,
    flagged_labels,
)
from flows.letters.desk import DESK as LETTER_DESK
from flows.letters.request_form import LetterForm, letter_of, village_of_applicant
from flows.letters.steps import PURPOSE_STEP, TYPE_STEP, DocumentStep, FieldStep, letter_steps
from storage import cases
from storage.models import Case


# --- the flow ------------------------------------------------------------------------------
class LetterFlow(FormFlow[LetterForm]):
    name = "letter"
    form_type = LetterForm
    # The steps without a letter chosen; `steps_for` adds the chosen letter's questions.
    steps = (TYPE_STEP, PURPOSE_STEP)

    def steps_for(self, ctx: Ctx, form: LetterForm) -> Sequence[Step[LetterForm]]:
        return letter_steps(ctx, form)

    def former_step_names(self, ctx: Ctx, form: LetterForm) -> Mapping[str, str]:
        """Before steps were named by code they were named by position (f0, d1, ...)."""
        if not form.type:
            return {}
        letter = letter_of(ctx, form)
        return {
            **{f"f{n}": FieldStep(f.code).name for n, f in enumerate(letter.fields)},
            **{f"d{n}": DocumentStep(d.code).name for n, d in enumerate(letter.documents)},
        }

    def title(self, ctx: Ctx) -> str:
        return ctx._("📄 Letter request")

    def summary_intro(self, ctx: Ctx) -> str:
        citizen, village = ctx.citizen, ctx.village
        lines = []
        if citizen is not None and village is not None:
            lines.append(
                ctx._("From your profile: {name}, NIK {nik}, {dusun} RT/RW {rt_rw}.").format(
                    name=citizen.full_name,
                    nik=masked_nik(citizen.nik or ""),
                    dusun=citizen.dusun,
                    rt_rw=rt_rw(citizen.rt or "-", citizen.rw or "-"),
                )
            )
        state = ctx.state
        if state is not None and not state.form.get("case_id"):
            lines.append(
                ctx._(
                    "How do you want to receive the letter: pick it up at the village office, "
                    "or get the signed file here in the chat? Tap one to send your request."
                )
            )
        else:  # a fix: what to do ends the message
            text = ctx._("Please check your request. If everything is correct, tap {send}.")
            lines.append(text.format(send=ctx._("✅ Send the fix")))
        return "\n\n".join(lines)

    def confirm_buttons(self, ctx: Ctx, form: LetterForm) -> list[Button]:
        if form.case_id:
            return [Button(ctx._("✅ Send the fix"), "sum:ok")]
        return [
            Button(ctx._("🏢 Pick up at office"), f"sum:ok:{PICKUP}"),
            Button(ctx._("📄 File in this chat"), f"sum:ok:{IN_CHAT}"),
        ]

    def confirmed(self, form: LetterForm, variant: str) -> None:
        if variant in (PICKUP, IN_CHAT):
            form.delivery = variant

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        if ctx.state is not None and ctx.state.form.get("case_id"):
            text = ctx._(
                "The fix was not sent; the request still waits for it. Tap ✏️ Fix now in "
                "📄 My letters when you are ready."
            )
            return [main_menu(ctx, text)]
        return [main_menu(ctx, ctx._("Letter request cancelled. Nothing was sent."))]

    def gone(self, ctx: Ctx, form: LetterForm) -> str | None:
        village = ctx.village
        if village is None:
            return ctx._("Please register first.")
        offered = any(t.code == form.type for t in village.letters)
        if form.type and not form.case_id and not offered:
            return ctx._("Sorry, the village no longer issues that letter.")
        return None

    async def finish(self, ctx: Ctx, form: LetterForm, key: str) -> Finished | Reask:
        citizen, village = ctx.citizen, ctx.village
        if citizen is None or village is None:
            return Finished([main_menu(ctx, ctx._("Please register first."))])
        if form.case_id:
            return Finished(await _send_fix(ctx, form))
        letter = next((t for t in village.letters if t.code == form.type), None)
        if letter is None:
            text = ctx._("Sorry, the village no longer issues that letter.")
            return Finished([main_menu(ctx, text)])
        missing = _missing_step(ctx, form, letter)
        if missing is not None:
            return Reask(missing, ctx._("This is still needed before sending:"))
        now = ctx.now()
        case, created = await open_case(
            ctx,
            LETTER,
            village_id=citizen.village_id,
            citizen_id=citizen.id,
            key=key,
            confidential=False,
            due_at=add_working_days(now, letter.working_days, village.zone),
            data=LetterData(
                type=letter.code,
                values=form.values,
                documents=form.documents,
                purpose=form.purpose,
                delivery=form.delivery,
            ).to_json(),
        )
        if created:
            post_card(ctx, case, await LETTER_DESK.render(ctx.services, ctx.session, case))
        how = (
            ctx._("The signed letter will be sent to you here.")
            if form.delivery == IN_CHAT
            else ctx._("We will tell you here when it is ready to pick up.")
        )
        text = ctx._(
            "Your request has been sent. Code: {code}\n\n"
            "Expected ready: {day} ({n} working days). {how}\n"
            "To check it yourself, type /status {code} or tap 📄 My letters."
        ).format(
            code=case.code,
            day=village_date(case.due_at or now, village, ctx.locale),
            n=letter.working_days,
            how=how,
        )
        return Finished([main_menu(ctx, text)])


def _missing_step(ctx: Ctx, form: LetterForm, letter: LetterType) -> str | None:
    """A required answer that is not in the form (e.g. the letter was changed meanwhile)."""
    for found in letter.fields:
        if found.required and not form.values.get(found.code):
            return FieldStep(found.code).name
    for document in letter.documents:
        if document.required and document.code not in form.documents:
            return DocumentStep(document.code).name
    if letter.purpose and not form.purpose:
        return PURPOSE_STEP.name
    return None


# --- sending the fix of a request officials sent back ------------------------------------
async def own_case(ctx: Ctx, case_id: str) -> Case | None:
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    if case is None or case.kind != LETTER.name or ctx.citizen is None:
        return None
    return case if case.citizen_id == ctx.citizen.id else None


async def _send_fix(ctx: Ctx, form: LetterForm) -> list[Reply]:
    case = await own_case(ctx, str(form.case_id))
    if case is None or case.status != INCOMPLETE:
        return [main_menu(ctx, ctx._("That request can no longer be fixed."))]
    village = village_of_applicant(ctx)
    letter = letter_of(ctx, form)
    data = LetterData.of(case)
    data.values, data.documents, data.purpose, data.fix = (
        form.values,
        form.documents,
        form.purpose,
        None,
    )
    now = ctx.now()
    changed = await change_status(
        ctx,
        LETTER,
        case,
        seen_version=case.version,
        to_status=REVIEW,
        actor="citizen",
        action="fixed",
        note=", ".join(flagged_labels(letter, form.fix, admin_gettext(ctx))),
        values={
            "data": data.to_json(case.data),
            # A fixed request is checked again within the letter's processing time.
            "due_at": add_working_days(now, letter.working_days, village.zone),
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    if isinstance(changed, Refused):
        return [main_menu(ctx, ctx._("That request can no longer be fixed."))]
    await LETTER_DESK.refresh(ctx, case)
    _ = admin_gettext(ctx)
    fixed_documents = {k: v for k, v in form.documents.items() if f"doc:{k}" in form.fix}
    media = document_media(letter, fixed_documents)
    text = _("🔁 {code}: the applicant sent the fix ({what}). Please check it again.").format(
        code=case.code, what=", ".join(flagged_labels(letter, form.fix, _))
    )
    to_card_thread(ctx, case, Reply(text, media=media), f"fixed:{case.id}:{case.version}")
    text = ctx._("Thank you. Your fix has been sent; officials will check request {code} again.")
    return [main_menu(ctx, text.format(code=case.code))]


LETTER_FLOW = LetterFlow()
