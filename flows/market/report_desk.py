"""⚠️ Laporkan, the officials' side: a resident's report about a listing is a case of its own
kind on the shared desk, with the listing on its card; ⛔ taking the listing down goes
through the listing's own desk (its version check, audit and the seller's message).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, unreachable, village_of
from flows.cases.data import CaseData
from flows.cases.desk import Action, Desk
from flows.cases.lifecycle import CaseKind, notify_subscribers
from flows.cases.note import NoteForm
from flows.common.formatting import masked_phone
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx, Services
from flows.engine.types import Reply
from flows.market import desk as listing_desk
from flows.market.card import LISTING, SHOWN, TAKE_DOWN, category_name, first_name, price_text
from storage import cases, listings
from storage.models import Case, Citizen, Listing

OPEN, TAKEN_DOWN, DISMISSED = "open", "taken_down", "dismissed"
REPORT = CaseKind(
    name="listing_report",
    prefix="LPR",
    labels={
        OPEN: N_("Waiting for review"),
        TAKEN_DOWN: N_("Listing taken down"),
        DISMISSED: N_("No problem found"),
    },
    transitions={OPEN: frozenset({TAKEN_DOWN, DISMISSED})},
    open_statuses=frozenset({OPEN}),
    initial=OPEN,
)
DOWN, DISMISS = "down", "ok"
RESIDENT_EVENTS = {"created": N_("sent by the reporter")}
# Why a resident reports a listing; "other" needs their note.
OTHER = "other"
REASONS = {
    "fraud": N_("Fraud"),
    "banned": N_("Forbidden goods"),
    "mismatch": N_("Not as described"),
    OTHER: N_("Other"),
}


@dataclass
class ReportData(CaseData):
    """What a listing report's case stores: which listing, why, the reporter's note."""

    listing_id: int = 0
    listing_case_id: int = 0
    reason: str = ""
    note: str = ""


ACTIONS = (
    Action(
        DOWN,
        N_("⛔ Take listing down"),
        N_("listing taken down"),
        to_status=TAKEN_DOWN,
        shown_in=frozenset({OPEN}),
        prompt=N_("Reply with the reason for taking the listing down. The seller will read it."),
        done=N_("{code}: the listing is taken down. The seller and the reporter have been told."),
        closes=True,
    ),
    Action(
        DISMISS,
        N_("✅ Dismiss"),
        N_("dismissed, no problem found"),
        to_status=DISMISSED,
        shown_in=frozenset({OPEN}),
        closes=True,
    ),
)


class ReportDesk(Desk):
    kind = REPORT
    prefix = "lr"
    icon = "⚠️"
    note_flow_name = "listing_report_note"
    actions = ACTIONS
    history_labels = RESIDENT_EVENTS
    citizen_role = N_("reporter")
    handled_text = N_("Already handled by {name}. Here is the report as it is now:")
    changed_text = N_("The reporter has just answered or added to this report. Here it is now:")
    queue_title = N_("⚠️ Reported listings, oldest first:")
    queue_empty = N_("No reported listings are waiting.")
    waiting = frozenset({OPEN})
    reminder = N_("⏰ Reminder: report {code} about a listing has waited {age}.")
    escalation = N_(
        "⏫ Escalation: report {code} about a listing has waited {age}. {head}, please make "
        "sure it is handled."
    )

    def subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        reason = REASONS.get(ReportData.of(case).reason)
        return _("Listing report: {reason}").format(reason=_(reason) if reason else "-")

    async def card_body(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        data = ReportData.of(case)
        listing = await session.get(Listing, data.listing_id)
        lines = []
        if listing is not None:
            village = village_of(services, case)
            seller = await session.get(Citizen, listing.citizen_id)
            status = _(LISTING.labels.get(listing.status, listing.status))
            lines += [
                f"🛒 {listing.name} ({listing.code}) · {status}",
                _("Category: {category}").format(category=category_name(village, listing.category)),
                _("Price: {price}").format(price=price_text(_, listing.price, listing.unit)),
            ]
            if listing.description:
                lines.append(listing.description)
            lines.append(
                _("Seller: {name}, dusun {dusun}").format(
                    name=first_name(seller.full_name if seller else None),
                    dusun=listing.dusun or "-",
                )
            )
        reason = REASONS.get(data.reason)
        lines += ["", _("Reason: {reason}").format(reason=_(reason) if reason else "-")]
        if data.note:
            lines.append(_("Reporter's note: {note}").format(note=data.note))
        return lines

    async def card_tail(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        reporter = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
        if reporter is None or not reporter.full_name:
            return []
        line = _("Reporter: {name}, {phone}").format(
            name=reporter.full_name, phone=masked_phone(reporter.phone or "")
        )
        if await unreachable(session, reporter.id):
            return [line, _("⚠️ The reporter has blocked the bot and cannot get messages.")]
        return [line]

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        data = ReportData.of(case)
        listing = await ctx.session.get(Listing, data.listing_id)
        status = ctx._(REPORT.labels[case.status])
        lines = [f"{case.code} · {status}"]
        if listing is not None:
            lines.append(f"🛒 {listing.name} ({listing.code})")
        reason = REASONS.get(data.reason)
        if reason:
            lines.append(ctx._("Reason: {reason}").format(reason=ctx._(reason)))
        return Reply("\n".join(lines))

    async def after(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> None:
        data = ReportData.of(case)
        listing = await listings.by_case(ctx.session, data.listing_case_id)
        if action.code == DOWN:
            await _take_down(ctx, data.listing_case_id, form.note)
        await tell_reporter(ctx, case, listing.name if listing is not None else "")


async def _take_down(ctx: Ctx, listing_case_id: int, note: str) -> None:
    """Take the reported listing down as its own card's ⛔ would (version-checked, audited,
    the seller told the reason); a listing that no longer shows stays as it is."""
    listing_case = await cases.by_id(ctx.session, listing_case_id)
    take_down = listing_desk.DESK.action(TAKE_DOWN)
    if listing_case is None or take_down is None or listing_case.status not in SHOWN:
        return
    form = NoteForm(
        case_id=listing_case.id,
        version=listing_case.version,
        action=TAKE_DOWN,
        chat=ctx.msg.chat,
        note=note,
    )
    await listing_desk.DESK.act(ctx, listing_case, take_down, form)


async def tell_reporter(ctx: Ctx, case: Case, name: str) -> None:
    """Tell the reporter what officials found, in their language."""

    def compose(gettext: Gettext, _locale: str) -> Reply:
        if case.status == TAKEN_DOWN:
            text = gettext(
                "Thank you for your report {code}. Officials checked it and took the listing "
                "{name} down."
            )
        else:
            text = gettext(
                "Thank you for your report {code}. Officials checked the listing {name} and "
                "found no problem, so it stays."
            )
        return Reply(text.format(code=case.code, name=name))

    await notify_subscribers(
        ctx,
        case,
        compose,
        reporter_only=True,
        key=f"listing-report:{case.id}:{case.version}",
        purpose="case_status",
        values=lambda gettext: {"status": gettext(REPORT.labels[case.status])},
    )


DESK = ReportDesk()
