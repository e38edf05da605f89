"""After a complaint is done: is it really fixed? Reopen it, or rate the handling."""

from __future__ import annotations

from collections.abc import Callable

from flows.cases.commands import refresh_card
from flows.cases.lifecycle import change_status, changed_meanwhile
from flows.common.text import N_
from flows.complaints import card, reporter
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.menu import main_menu
from flows.engine.question import Asked, OneQuestion
from flows.engine.types import Button, Expect, Reply, rows
from storage import cases
from storage.models import Case

Gettext = Callable[[str], str]
# The 1-4 scale village satisfaction surveys use.
RATINGS = {
    "1": N_("Poor"),
    "2": N_("Not so good"),
    "3": N_("Good"),
    "4": N_("Very good"),
}


def question(gettext: Gettext, case: Case) -> Reply:
    """The follow-up question, written for one reader."""
    text = gettext("Report {code} was marked done. Is the problem really solved?").format(
        code=case.code
    )
    buttons = rows(
        Button(gettext("✅ Yes"), f"fu:{case.id}:yes"),
        Button(gettext("❌ Not yet"), f"fu:{case.id}:no"),
        Button(gettext("🤷 Don't know"), f"fu:{case.id}:unknown"),
        per_row=3,
    )
    return Reply(text, buttons, Expect.CHOICE)


async def _own_case(ctx: Ctx, case_id: str) -> Case | None:
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    if case is None or ctx.citizen is None or case.citizen_id != ctx.citizen.id:
        return None
    return case


async def answer(ctx: Ctx, value: str) -> list[Reply]:
    """The reporter's answer to the follow-up question."""
    case_id, _s, said = value.partition(":")
    case = await _own_case(ctx, case_id)
    if case is None or case.status != card.DONE or said not in ("yes", "no", "unknown"):
        return [main_menu(ctx, ctx._("That question is no longer open."))]
    await cases.add_event(
        ctx.session,
        case.id,
        at=ctx.now(),
        actor="citizen",
        action=f"followup_{said}",
        from_status=None,
        to_status=None,
    )
    if said == "no":
        heading = reporter.case_heading(ctx, case)
        return form_engine.start(ctx, REOPEN_FLOW, Asked(case_id=case.id, heading=heading))
    if said == "yes":
        text = ctx._("Glad to hear it. How did the village office handle your report?")
        buttons = rows(
            *(Button(ctx._(label), f"rate:{case.id}:{score}") for score, label in RATINGS.items()),
            per_row=2,
        )
        return [Reply(text, buttons, Expect.CHOICE)]
    return [main_menu(ctx, ctx._("Thank you. If the problem comes back, send a new report."))]


async def rate(ctx: Ctx, value: str) -> list[Reply]:
    """Record the 1-4 rating, then offer to add a comment."""
    case_id, _s, score = value.partition(":")
    case = await _own_case(ctx, case_id)
    if case is None or score not in RATINGS:
        return [main_menu(ctx, ctx._("That question is no longer open."))]
    data = card.ComplaintData.of(case)
    data.rating = int(score)
    # Written over the data as read, so only if nothing changed it meanwhile.
    if not await cases.set_if_unchanged(
        ctx.session, case.id, case.version, {"data": data.to_json(case.data)}
    ):
        return [main_menu(ctx, changed_meanwhile(ctx._, case))]
    await cases.add_event(
        ctx.session,
        case.id,
        at=ctx.now(),
        actor="citizen",
        action="rated",
        from_status=None,
        to_status=None,
        note=score,
    )
    heading = reporter.case_heading(ctx, case)
    return form_engine.start(ctx, COMMENT_FLOW, Asked(case_id=case.id, heading=heading))


async def _reopen(ctx: Ctx, form: Asked) -> list[Reply]:
    """The reporter says it is not fixed: reopen the report with their note."""
    case = await cases.by_id(ctx.session, form.case_id)
    if case is None or ctx.citizen is None or case.status != card.DONE:
        return [main_menu(ctx, ctx._("That report is no longer closed."))]
    changed = await change_status(
        ctx,
        card.COMPLAINT,
        case,
        seen_version=case.version,
        to_status=card.IN_PROGRESS,
        actor="citizen",
        action="reopened",
        note=form.text,
        values={"closed_at": None, "followup_at": None},
    )
    if not isinstance(changed, Case):
        return [main_menu(ctx, changed.message)]
    await reporter.relay_from_resident(ctx, case, ctx.citizen, "reopen", form.text, ())
    await refresh_card(ctx, case)
    text = ctx._("Report {code} is open again and officials have your note.")
    return [main_menu(ctx, text.format(code=case.code))]


async def _comment(ctx: Ctx, form: Asked) -> list[Reply]:
    """Keep the reporter's comment on their rating (none when they skipped)."""
    case = await cases.by_id(ctx.session, form.case_id)
    if case is not None and form.text and not form.skipped:
        data = card.ComplaintData.of(case)
        data.rating_comment = form.text
        if not await cases.set_if_unchanged(
            ctx.session, case.id, case.version, {"data": data.to_json(case.data)}
        ):
            return [main_menu(ctx, changed_meanwhile(ctx._, case))]
    return [main_menu(ctx, ctx._("Thank you for your rating."))]


def _complaint_title(ctx: Ctx) -> str:
    return ctx._("📢 Complaint")


REOPEN_FLOW = OneQuestion(
    "complaint_reopen",
    title=_complaint_title,
    ask=lambda ctx, _form: ctx._("What is still wrong? Officials will read this with the report."),
    invalid=lambda ctx: ctx._("Please type in a few words what is still wrong."),
    done=_reopen,
    min_length=3,
    step_name="note",
)
COMMENT_FLOW = OneQuestion(
    "complaint_comment",
    title=_complaint_title,
    ask=lambda ctx, _form: ctx._(
        "Thank you! Would you like to add a comment? Type it, or tap ⏭️ Skip."
    ),
    invalid=lambda ctx: ctx._("Please type your comment, or tap ⏭️ Skip."),
    done=_comment,
    max_length=500,
    skippable=True,
    step_name="comment",
)
FLOWS = (REOPEN_FLOW, COMMENT_FLOW)


def rating_label(gettext: Gettext, score: object) -> str:
    return gettext(RATINGS.get(str(score), "")) if score else ""
