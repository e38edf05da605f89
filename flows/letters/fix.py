"""Fixing a letter request officials sent back: ✏️ Fix now opens the request form on the
parts they flagged; a photo or text sent without pressing it is taken as the fix of the
first flagged part. Sending the fix is the form's own finish (`request.py`)."""

from __future__ import annotations

from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer
from flows.engine.types import Expect, Kind, Reply
from flows.letters.card import INCOMPLETE, LETTER, LetterData, applicant_view
from flows.letters.request import LETTER_FLOW
from flows.letters.request_form import LetterForm
from flows.letters.steps import DocumentStep, letter_steps
from storage import cases
from storage.models import Case


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
