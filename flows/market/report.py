"""⚠️ Laporkan, the resident's side: from a listing, a reason (and a note) -> a case for
the officials of the listing's village (`report_desk.py`). One report per resident and
listing: the case's idempotency key is the pair, so a second report finds the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flows.cases.card import post_card
from flows.cases.lifecycle import open_case
from flows.common.text import clean, fold
from flows.common.validation import Invalid, too_long
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Question, Step
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Button, Expect, Kind, Reply
from flows.market.card import SHOWN
from flows.market.report_desk import DESK, OTHER, REASONS, REPORT, ReportData
from storage import cases
from storage.models import Case, Listing

PREFIX = "laporkan"
NOTE_MAX = 300
# Officials are reminded when a report waits longer than this.
REVIEW_HOURS = 48
_SKIP_WORDS = {"lewati", "skip"}


def report_button(ctx: Ctx, listing_id: int) -> Button:
    return Button(ctx._("⚠️ Report"), f"{PREFIX}:{listing_id}")


def _key(listing_id: int, citizen_id: int) -> str:
    return f"listing-report:{listing_id}:{citizen_id}"


@dataclass
class ReportForm:
    listing_id: int = 0
    name: str = ""
    reason: str = ""
    note: str = ""


class ReasonStep(Step[ReportForm]):
    name = "reason"

    def question(self, ctx: Ctx, form: ReportForm) -> Question:
        text = ctx._("What is wrong with {name}? Tap one.").format(name=form.name)
        options = tuple(Button(ctx._(label), code) for code, label in REASONS.items())
        return Question(text, options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: ReportForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.CHOICE and answer.choice in REASONS:
            form.reason = answer.choice
            return None
        return Invalid(ctx._("Please tap one of the buttons below."))


class NoteStep(Step[ReportForm]):
    name = "note"

    def question(self, ctx: Ctx, form: ReportForm) -> Question:
        if form.reason == OTHER:
            text = ctx._("Please tell the officials in a few words what is wrong.")
            return Question(text)
        text = ctx._("Add a short note for the officials if you like, or tap ⏭️ Skip.")
        return Question(text, (Button(ctx._("⏭️ Skip"), "skip"),), Expect.TEXT)

    async def take(self, ctx: Ctx, form: ReportForm, answer: Answer) -> Invalid | None:
        skipped = (answer.kind is Kind.CHOICE and answer.choice == "skip") or (
            answer.kind is Kind.TEXT and fold(answer.text) in _SKIP_WORDS
        )
        if skipped and form.reason != OTHER:
            form.note = ""
            return None
        text = clean(answer.text) if answer.kind is Kind.TEXT else ""
        if not text or skipped:
            return Invalid(ctx._("Please type a short note."))
        problem = too_long(text, NOTE_MAX, ctx._, ctx.locale)
        if problem is not None:
            return problem
        form.note = text
        return None


class ReportFlow(FormFlow[ReportForm]):
    name = "market_report"
    form_type = ReportForm
    steps = (ReasonStep(), NoteStep())
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return ctx._("⚠️ Report a listing")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Cancelled. Nothing was sent."))]

    async def finish(self, ctx: Ctx, form: ReportForm, key: str) -> Finished:
        citizen = ctx.citizen
        listing = await ctx.session.get(Listing, form.listing_id)
        if citizen is None or listing is None or listing.status not in SHOWN:
            return Finished([main_menu(ctx, ctx._("That listing no longer exists."))])
        data = ReportData(
            listing_id=listing.id,
            listing_case_id=listing.case_id,
            reason=form.reason,
            note=form.note,
        )
        case, created = await open_case(
            ctx,
            REPORT,
            village_id=listing.village_id,
            citizen_id=citizen.id,
            data=data.to_json(),
            key=_key(listing.id, citizen.id),
            confidential=False,
            due_at=ctx.now() + timedelta(hours=REVIEW_HOURS),
        )
        if not created:
            return Finished([main_menu(ctx, _already(ctx, case))])
        post_card(ctx, case, await DESK.render(ctx.services, ctx.session, case))
        text = ctx._(
            "Thank you! Your report is sent to the village officials. Code: {code}\n\n"
            "We will tell you here what they find."
        ).format(code=case.code)
        return Finished([main_menu(ctx, text)])


REPORT_FLOW = ReportFlow()


def _already(ctx: Ctx, case: Case) -> str:
    text = ctx._(
        "You have already reported this listing (code {code}). The village officials will "
        "look at it; we will tell you what they find."
    )
    return text.format(code=case.code)


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """⚠️ Laporkan under a listing: ask why, unless this resident reported it already."""
    citizen = ctx.citizen
    if citizen is None:
        reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="market")
    listing = (
        await ctx.session.get(Listing, int(value)) if value.isascii() and value.isdigit() else None
    )
    if listing is None or listing.status not in SHOWN:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    if listing.citizen_id == citizen.id:
        text = ctx._("This is your own listing. Change or withdraw it in 📦 My listings.")
        return [main_menu(ctx, text)]
    reported = await cases.by_key(ctx.session, _key(listing.id, citizen.id))
    if reported is not None:
        return [main_menu(ctx, _already(ctx, reported))]
    return form_engine.start(ctx, REPORT_FLOW, ReportForm(listing_id=listing.id, name=listing.name))
