"""Layanan Surat, the applicant's side: letter -> its fields -> document photos -> purpose
-> send (choosing pickup or the signed file in the chat). Also "Surat saya", fixing a
request officials sent back, and cancelling one not yet decided. The questions themselves
are in `steps.py`.

Officials' side lives in `desk.py`. Diagram: letters.mmd beside this file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.cases.card import post_card, to_card_thread
from flows.cases.lifecycle import Refused, change_status, open_case, status_label
from flows.cases.mine import my_cases
from flows.common.formatting import masked_nik, rt_rw, village_date
from flows.common.letter_types import LetterType
from flows.common.text import N_, fold
from flows.common.workdays import add_working_days
from flows.engine import form as form_engine
from flows.engine.admin import admin_gettext
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Reask, Step
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Button, Expect, Kind, Reply, rows
from flows.letters import export
from flows.letters.card import (
    CANCELLABLE,
    CANCELLED,
    IN_CHAT,
    INCOMPLETE,
    LETTER,
    PICKUP,
    REVIEW,
    LetterData,
    applicant_view,
    document_media,
    flagged_labels,
    letter_type_of,
)
from flows.letters.desk import DESK as LETTER_DESK
from flows.letters.steps import (
    PURPOSE_STEP,
    TYPE_STEP,
    DocumentStep,
    FieldStep,
    LetterForm,
    guess_letter,
    letter_of,
    letter_steps,
    prefill_from_text,
    telling_words,
    village_of_applicant,
)
from storage import cases
from storage.models import Case

# Words that ask about requests already sent, not for a new one.
_ASKING_WORDS = {"kapan", "status", "cek", "gimana", "bagaimana"}
_ASKING_PHRASES = ("sudah jadi", "belum jadi", "jadi belum", "sudah selesai", "selesai belum")
# What people type to ask for the service as a whole rather than one letter.
_ENTRY_WORDS = {
    "surat",
    "layanan surat",
    "minta surat",
    "bikin surat",
    "buat surat",
    "mau bikin surat",
    "mau buat surat",
    "urus surat",
    "surat keterangan",
    "surat pengantar",
}


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


# --- fixing a request officials sent back ---------------------------------------------------
async def _own_case(ctx: Ctx, case_id: str) -> Case | None:
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    if case is None or case.kind != LETTER.name or ctx.citizen is None:
        return None
    return case if case.citizen_id == ctx.citizen.id else None


async def start_fix(ctx: Ctx, case: Case) -> list[Reply]:
    data = LetterData.of(case)
    if not data.fix or not data.fix["flags"]:
        text = ctx._("Please contact the village office about what to fix in this request.")
        return [Reply(text), await applicant_view(ctx, case)]
    form = LetterForm(
        type=data.type,
        values=dict(data.values),
        documents=dict(data.documents),
        purpose=data.purpose,
        delivery=data.delivery,
        case_id=case.id,
        fix=list(data.fix["flags"]),
        fix_note=data.fix["note"],
    )
    return form_engine.start(ctx, LETTER_FLOW, form)


async def fix_without_button(ctx: Ctx) -> list[Reply] | None:
    """Officials asked for a fix: a photo (or the text) sent next goes to the first part
    they flagged, as if ✏️ Fix now had been pressed; anything of another kind is not
    taken as the fix (e.g. a question typed while a photo is awaited)."""
    citizen, msg = ctx.citizen, ctx.msg
    if citizen is None or msg.kind not in (Kind.TEXT, Kind.PHOTO, Kind.DOCUMENT):
        return None
    sent_back = await cases.reported_by(ctx.session, citizen.id, LETTER.name, [INCOMPLETE])
    waiting = [c for c in sent_back if LetterData.of(c).fix]
    if not waiting:
        return None
    case = waiting[0]  # the newest request sent back
    await start_fix(ctx, case)
    if ctx.state is None:
        return None
    wants_file = form_engine.expected(ctx) is Expect.PHOTO
    is_file = msg.kind in (Kind.PHOTO, Kind.DOCUMENT)
    taken = ctx._("📄 {code}: we take this as the fix the village office asked for.")
    if is_file and not wants_file:
        # A text question comes first: the photo is for a flagged document further on.
        replies = await _take_flagged_document(ctx)
        if replies is None:
            ctx.state = None
            return None
        return [Reply(taken.format(code=case.code)), *replies]
    if wants_file != is_file:
        ctx.state = None  # not what the fix asks for: handled as any other message
        return None
    return [Reply(taken.format(code=case.code)), *await form_engine.handle(ctx)]


async def _take_flagged_document(ctx: Ctx) -> list[Reply] | None:
    """Take the photo or file for the first flagged document not yet sent, as answered,
    and ask the fix's current question (the flagged text before it) again."""
    state, msg = ctx.state, ctx.msg
    if state is None:
        return None
    form = LETTER_FLOW.load(state.form)
    step = next(
        (
            s
            for s in letter_steps(ctx, form)
            if isinstance(s, DocumentStep) and s.applies(ctx, form) and s.name not in state.stack
        ),
        None,
    )
    if step is None:
        return None
    answer = Answer(kind=msg.kind, media_id=msg.media_id)
    if await step.take(ctx, form, answer) is not None:
        return None
    state.form = LETTER_FLOW.dump(form)
    state.stack.append(step.name)
    return form_engine.current_question(ctx)


async def _send_fix(ctx: Ctx, form: LetterForm) -> list[Reply]:
    case = await _own_case(ctx, str(form.case_id))
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


# --- entry points ---------------------------------------------------------------------------
def _letter_asked_for(ctx: Ctx) -> str:
    """What to carry on with after registering: the letter named ("letter:domisili") when
    the village is known already (a one-village deployment), else the letter service."""
    only = ctx.services.villages.only()
    if only is None or ctx.msg.kind is not Kind.TEXT or not telling_words(ctx.msg.text):
        return "letter"
    found = guess_letter(only, ctx.msg.text)
    return f"letter:{found.best}" if found.best else "letter"


async def resume_letter(ctx: Ctx, code: str) -> list[Reply]:
    """Carry on with the letter asked for before registering."""
    if ctx.village is None or not any(t.code == code for t in ctx.village.letters):
        return await start_letter(ctx)
    return form_engine.start(ctx, LETTER_FLOW, LetterForm(type=code))


async def start_letter(ctx: Ctx) -> list[Reply]:
    """Start a request; typed names, abbreviations and typos go straight to the letter."""
    if ctx.citizen is None or ctx.village is None:
        reason = ctx._("To request a letter, please register first; you only do it once.")
        return await register_first(ctx, reason, then=_letter_asked_for(ctx))
    if not ctx.village.letters:
        return [main_menu(ctx, ctx._("Sorry, this village does not take letter requests here."))]
    form = LetterForm()
    typed = fold(ctx.msg.text) if ctx.msg.kind is Kind.TEXT else ""
    words = set(typed.split())
    asking = words & _ASKING_WORDS or any(p in typed for p in _ASKING_PHRASES)
    if asking and await cases.of_citizen(ctx.session, ctx.citizen.id, LETTER.name):
        return await my_letters(ctx)  # "kapan surat domisili saya jadi?"
    if telling_words(ctx.msg.text):
        found = guess_letter(ctx.village, ctx.msg.text)
        if found.best is not None:
            form.type = found.best
            prefill_from_text(ctx, form, ctx.msg.text)
        else:
            form.suggestions = list(found.close)
    return form_engine.start(ctx, LETTER_FLOW, form)


async def my_letters(ctx: Ctx) -> list[Reply]:
    """The person's letter requests with their status, newest first."""
    if ctx.citizen is None or ctx.village is None:
        return await start_letter(ctx)
    village = ctx.village
    return await my_cases(
        ctx,
        LETTER,
        title=ctx._("📄 My letters"),
        empty=ctx._("You have not requested any letter yet."),
        view_prefix="surat:view:",
        subject=lambda case: letter_type_of(village, LetterData.of(case)).short,
    )


async def applicant_action(ctx: Ctx, value: str) -> list[Reply]:
    """View a request, start its fix, or cancel it (asked once more before it happens)."""
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    case = await _own_case(ctx, case_id)
    if case is None:
        return [main_menu(ctx, ctx._("That request was not found among yours."))]
    if action == "fix" and case.status == INCOMPLETE:
        return await start_fix(ctx, case)
    if action == "cancel" and case.status in CANCELLABLE:
        text = ctx._("Cancel request {code}? Officials will stop working on it.")
        buttons = rows(
            Button(ctx._("🗑️ Yes, cancel"), f"surat:cancelok:{case.id}:{case.version}"),
            Button(ctx._("↩️ No, keep it"), f"surat:view:{case.id}"),
            per_row=2,
        )
        return [Reply(text.format(code=case.code), buttons, Expect.CHOICE)]
    if action == "cancelok" and version.isdigit():
        return await _cancel(ctx, case, int(version))
    status = status_label(ctx, LETTER, case.status)
    why = {
        "fix": ctx._("Request {code} is already {status}, so there is nothing to fix now."),
        "cancel": ctx._("Request {code} is already {status}, so it can no longer be cancelled."),
    }.get(action)
    said = [Reply(why.format(code=case.code, status=status))] if why else []
    return [*said, await applicant_view(ctx, case)]


async def _cancel(ctx: Ctx, case: Case, version: int) -> list[Reply]:
    changed = await change_status(
        ctx,
        LETTER,
        case,
        seen_version=version,
        to_status=CANCELLED,
        actor="citizen",
        action="cancelled",
        values={"closed_at": ctx.now()},
    )
    if isinstance(changed, Refused):
        text = ctx._("The request changed meanwhile and was not cancelled. Here it is now:")
        return [Reply(text), await applicant_view(ctx, case)]
    await LETTER_DESK.refresh(ctx, case)
    _ = admin_gettext(ctx)
    note = _("🗑️ {code} was cancelled by the applicant.").format(code=case.code)
    to_card_thread(ctx, case, Reply(note), f"cancelled:{case.id}")
    text = ctx._("Request {code} is cancelled. You can request a letter again at any time.")
    return [main_menu(ctx, text.format(code=case.code))]


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


def _letter_names(ctx: Ctx) -> list[str]:
    villages = [ctx.village] if ctx.village else list(ctx.services.villages)
    return [name for v in villages for t in v.letters for name in (t.name, *t.aliases)]


CAPABILITY = Capability(
    name="letters",
    intents=(
        Intent(
            "letter",
            start_letter,
            keywords=tuple(sorted(_ENTRY_WORDS)),
            more_keywords=_letter_names,
            commands=(Command("surat", N_("Request a letter from the village office")),),
            resume=resume_letter,
            menu_label=lambda ctx: ctx._("📄 Letter services"),
            rank=20,
        ),
        Intent(
            "my_letters",
            my_letters,
            keywords=("surat saya", "status surat", "cek surat", "permohonan saya"),
            commands=(Command("suratsaya", N_("My letter requests and their status")),),
            menu_label=lambda ctx: ctx._("📄 My letters"),
            rank=21,
            visible=_registered,
        ),
    ),
    flows=(LETTER_FLOW,),
    awaited=(fix_without_button,),
    desks=(LETTER_DESK,),
    exports=(export.EXPORT,),
    choices={"surat": applicant_action},
)
