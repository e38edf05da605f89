"""Lapak Desa, the officials' side: a listing's card, its actions, what sellers are told.

Pressing, notes, ticking what to fix, version checks and refusals are `flows.cases.desk`'s.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, village_of
from flows.cases.desk import Action, Desk
from flows.cases.lifecycle import notify_subscribers
from flows.cases.note import NoteForm
from flows.common.formatting import masked_phone
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx, Services
from flows.engine.types import Button, Expect, Media, Reply
from flows.market.card import (
    APPROVE,
    ASK_FIX,
    FIX,
    LISTING,
    LIVE,
    PENDING,
    REJECT,
    REJECTED,
    REMOVED,
    RESIDENT_EVENTS,
    SHOWN,
    TAKE_DOWN,
    ListingData,
    category_name,
    listing_lines,
    listing_media,
)
from flows.market.links import page_path
from flows.market.live import go_live, stop_live
from flows.market.saved import tell_watchers
from storage.models import Case, Citizen

# Parts of a listing officials can ask the seller to correct (the seller's step names).
FIXABLE = {
    "name": N_("Name"),
    "category": N_("Category"),
    "price": N_("Price"),
    "photos": N_("Photos"),
    "description": N_("Description"),
}

ACTIONS = (
    Action(
        APPROVE,
        N_("✅ Publish"),
        N_("published"),
        to_status=LIVE,
        shown_in=frozenset({PENDING}),
    ),
    Action(
        ASK_FIX,
        N_("✏️ Ask to correct"),
        N_("sent back for correction"),
        to_status=FIX,
        shown_in=frozenset({PENDING}),
        prompt=N_("Reply with a note for the seller: what should be corrected?"),
        done=N_("{code} is sent back to the seller for correction."),
    ),
    Action(
        REJECT,
        N_("⛔ Reject"),
        N_("rejected"),
        to_status=REJECTED,
        shown_in=frozenset({PENDING}),
        row=1,
        prompt=N_("Reply with the reason for rejecting it. The seller will read it."),
        done=N_("{code} is rejected. The seller has been told the reason."),
        closes=True,
    ),
    Action(
        TAKE_DOWN,
        N_("⛔ Take down"),
        N_("taken down"),
        to_status=REMOVED,
        shown_in=SHOWN,
        prompt=N_("Reply with the reason for taking it down. The seller will read it."),
        done=N_("{code} is taken down. The seller has been told the reason."),
        closes=True,
    ),
)


class ListingDesk(Desk):
    kind = LISTING
    prefix = "l"
    icon = "🛒"
    note_flow_name = "listing_note"
    actions = ACTIONS
    history_labels = RESIDENT_EVENTS
    citizen_role = N_("seller")
    handled_text = N_("Already handled by {name}. Here is the listing as it is now:")
    changed_text = N_("The seller has just changed this listing. Here it is now:")
    queue_title = N_("🛒 Listings waiting for approval, oldest first:")
    queue_empty = N_("No listings are waiting for approval.")
    waiting = frozenset({PENDING})
    reminder = N_("⏰ Reminder: listing {code} has waited {age} for approval.")
    escalation = N_(
        "⏫ Escalation: listing {code} has waited {age} for approval. {head}, please make "
        "sure it is handled."
    )

    @property
    def queue_statuses(self) -> frozenset[str]:
        return frozenset({PENDING})

    def subject(self, _: Gettext, village: VillageConfig, case: Case) -> str:
        return category_name(village, ListingData.of(case).category)

    async def card_body(
        self, _: Gettext, services: Services, session: AsyncSession, case: Case
    ) -> list[str]:
        data = ListingData.of(case)
        lines = [*listing_lines(_, village_of(services, case), data), ""]
        seller = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
        if seller is not None:
            line = _("Seller: {name}, dusun {dusun}, {phone}").format(
                name=seller.full_name,
                dusun=seller.dusun or "-",
                phone=masked_phone(seller.phone or ""),
            )
            lines.append(line)
        if case.status == FIX and data.flagged:
            what = ", ".join(_(FIXABLE[f]) for f in data.flagged if f in FIXABLE)
            lines.append(_("Waiting for the seller to correct: {what}").format(what=what))
        return lines

    def card_media(self, services: Services, case: Case) -> tuple[Media, ...]:
        return listing_media(ListingData.of(case))

    async def citizen_view(self, ctx: Ctx, case: Case) -> Reply:
        data = ListingData.of(case)
        village = village_of(ctx.services, case)
        status = ctx._(LISTING.labels[case.status])
        lines = [f"{case.code} · {status}", *listing_lines(ctx._, village, data)]
        return Reply("\n".join(lines), media=listing_media(data))

    def flag_options(self, ctx: Ctx, case: Case, action: str) -> list[Button]:
        if action != ASK_FIX:
            return []
        _ = admin_gettext(ctx)
        return [Button(_(label), code) for code, label in FIXABLE.items()]

    async def values_for(
        self, ctx: Ctx, case: Case, action: Action, form: NoteForm
    ) -> dict[str, object]:
        if action.code != ASK_FIX:
            return {}
        data = ListingData.of(case)
        data.flagged, data.fix_note = list(form.flags), form.note
        return {"data": data.to_json(case.data)}

    async def after(self, ctx: Ctx, case: Case, action: Action, form: NoteForm) -> None:
        if action.code == APPROVE:
            village = village_of(ctx.services, case)
            await go_live(ctx, case, until=ctx.now() + timedelta(days=village.listing_days))
            await tell_watchers(ctx, case)
        else:
            await stop_live(ctx, case)
        await tell_seller(ctx, case, action.code, form.note)


def share_text(ctx: Ctx, case: Case) -> str:
    """The listing's public page when Balai's pages are public, else its code."""
    base = ctx.services.public_url
    if not base:
        return case.code
    return base + page_path(village_of(ctx.services, case).code, case.code)


async def tell_seller(ctx: Ctx, case: Case, action: str, note: str) -> None:
    """Tell the seller what officials decided, in their language."""
    data = ListingData.of(case)
    share = share_text(ctx, case)

    def compose(gettext: Gettext, _locale: str) -> Reply:
        if action == APPROVE:
            text = gettext(
                "Your listing {name} is now live in Lapak Desa. Code: {code}\n"
                "Share it with buyers: {link}"
            )
            return Reply(text.format(name=data.name, code=case.code, link=share))
        if action == ASK_FIX:
            what = ", ".join(gettext(FIXABLE[f]) for f in data.flagged if f in FIXABLE)
            text = gettext(
                "Officials ask you to correct your listing {name} ({code}): {what}.\n"
                "Their note: {note}\n\nTap ✏️ Correct now; only these will be asked again."
            ).format(name=data.name, code=case.code, what=what, note=note)
            button = Button(gettext("✏️ Correct now"), f"lapak:fix:{case.id}")
            return Reply(text, ((button,),), Expect.CHOICE)
        text = gettext(
            "Your listing {name} ({code}) is {status}.\nReason from the village office: {note}"
        )
        status = gettext(LISTING.labels[case.status])
        return Reply(text.format(name=data.name, code=case.code, status=status, note=note))

    await notify_subscribers(
        ctx,
        case,
        compose,
        key=f"listing:{case.id}:{case.version}",
        purpose="case_status",
        values=lambda gettext: {"status": gettext(LISTING.labels[case.status])},
    )


DESK = ListingDesk()
