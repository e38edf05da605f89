"""Lapak Desa, the seller's side: name -> category -> price (and unit) -> photos -> summary
(description, stock, delivery and how buyers reach the seller have defaults, changed there)
-> send; later corrections and changes from Lapak saya.

The questions live in `sell_steps.py`, officials' side in `desk.py`. Diagram: sell.mmd.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flows.cases.card import post_card
from flows.cases.lifecycle import Refused, change_status, open_case
from flows.common.text import clean
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Kind, Reply
from flows.market import desk, live
from flows.market.card import (
    FIX,
    LISTING,
    LIVE,
    PENDING,
    RESERVED,
    WHATSAPP,
    ListingData,
)
from flows.market.sell_steps import (
    NAME_MAX,
    NAME_MIN,
    CategoryStep,
    ContactStep,
    DeliveryStep,
    DescriptionStep,
    NameStep,
    PhotosStep,
    PriceStep,
    SellForm,
    StockStep,
    UnitStep,
    WhatsAppStep,
)
from storage import cases, listings
from storage.models import Case, Listing

# A listing counts against the seller's limit while officials or buyers can see it.
COUNTED = (PENDING, FIX, LIVE, RESERVED)
# Officials are reminded when a listing waits longer than this for approval.
REVIEW_HOURS = 48
_ENTRY_WORDS = re.compile(
    r"^(?:(?:saya|aku|mau|ingin|pengen|akan|jual|menjual|jualan)\s+)*(?:jual|menjual|jualan)\s+",
    re.IGNORECASE,
)


class SellFlow(FormFlow[SellForm]):
    name = "market_sell"
    form_type = SellForm
    steps = (
        NameStep(),
        CategoryStep(),
        PriceStep(),
        UnitStep(),
        PhotosStep(),
        DescriptionStep(),
        StockStep(),
        DeliveryStep(),
        ContactStep(),
        WhatsAppStep(),
    )

    def title(self, ctx: Ctx) -> str:
        return ctx._("🛒 Sell in Lapak Desa")

    def summary_intro(self, ctx: Ctx) -> str:
        return ctx._(
            "Please check your listing. Village officials look at it before buyers see it. "
            "If everything is correct, tap ✅ Send."
        )

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Cancelled. Nothing was sent."))]

    async def finish(self, ctx: Ctx, form: SellForm, key: str) -> Finished | Reask:
        citizen, village = ctx.citizen, ctx.village
        if citizen is None or village is None:
            return Finished([main_menu(ctx, ctx._("Please register first."))])
        data = ListingData(
            name=form.name,
            category=form.category,
            price=form.price,
            unit=form.unit,
            photos=list(form.photos),
            description=form.description,
            stock=form.stock,
            delivery=form.delivery,
            contact=form.contact,
            whatsapp=form.whatsapp if form.contact == WHATSAPP else None,
            dusun=citizen.dusun or "",
        )
        if form.fix_case and form.editing:
            return Finished(await _edited(ctx, form, data))
        if form.fix_case:
            return Finished(await _corrected(ctx, form, data))
        limit = await limit_reached(ctx)
        if limit is not None:
            return Finished([main_menu(ctx, limit)])
        now = ctx.now()
        case, created = await open_case(
            ctx,
            LISTING,
            village_id=citizen.village_id,
            citizen_id=citizen.id,
            key=key,
            confidential=False,
            due_at=now + timedelta(hours=REVIEW_HOURS),
            data=data.to_json(),
        )
        if created:
            await listings.add(
                ctx.session,
                Listing(
                    case_id=case.id,
                    village_id=case.village_id,
                    citizen_id=citizen.id,
                    code=case.code,
                    status=case.status,
                    created_at=now,
                    views=0,
                    contacts=0,
                    **live.row_values(data),
                ),
            )
            post_card(ctx, case, await desk.DESK.render(ctx.services, ctx.session, case))
        text = ctx._(
            "Thank you! Your listing is sent to the village office for approval. Code: {code}\n\n"
            "We will tell you here when it is live."
        ).format(code=case.code)
        return Finished([main_menu(ctx, text)])


async def _corrected(ctx: Ctx, form: SellForm, data: ListingData) -> list[Reply]:
    """The seller corrected what officials flagged: back to them for approval."""
    case = await cases.by_id(ctx.session, form.fix_case)
    if case is None or ctx.citizen is None or case.citizen_id != ctx.citizen.id:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    changed = await change_status(
        ctx,
        LISTING,
        case,
        seen_version=case.version,
        to_status=PENDING,
        actor="citizen",
        action="fixed",
        values={"data": data.to_json(case.data) | {"flagged": [], "fix_note": None}},
    )
    if isinstance(changed, Refused):
        return [main_menu(ctx, changed.message)]
    await live.sync(ctx, changed)
    await desk.DESK.refresh(ctx, changed)
    text = ctx._("Thank you! Listing {code} is sent to the village office again.")
    return [main_menu(ctx, text.format(code=case.code))]


async def _edited(ctx: Ctx, form: SellForm, data: ListingData) -> list[Reply]:
    """A change from Lapak saya: price, unit and description of a live listing show at once;
    a new name or photos go back to the officials first."""
    case = await cases.by_id(ctx.session, form.fix_case)
    if case is None or ctx.citizen is None or case.citizen_id != ctx.citizen.id:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    before = ListingData.of(case)
    stored = data.to_json(case.data)
    shown = case.status in (LIVE, RESERVED)
    if shown and (data.name, data.photos) != (before.name, before.photos):
        changed = await change_status(
            ctx,
            LISTING,
            case,
            seen_version=case.version,
            to_status=PENDING,
            actor="citizen",
            action="edited",
            values={"data": stored},
        )
        if isinstance(changed, Refused):
            return [main_menu(ctx, changed.message)]
        await live.sync(ctx, changed)
        await desk.DESK.refresh(ctx, changed)
        text = ctx._("Saved. Listing {code} goes to the village office for approval again.")
        return [main_menu(ctx, text.format(code=case.code))]
    if not await cases.set_if_unchanged(ctx.session, case.id, case.version, {"data": stored}):
        return [main_menu(ctx, ctx._("This listing has changed meanwhile. Please try again."))]
    await ctx.session.refresh(case)
    await live.sync(ctx, case)
    await desk.DESK.refresh(ctx, case)
    if shown:
        text = ctx._("Saved. Buyers see the change to {code} at once.")
    else:
        text = ctx._("Saved. Officials see the change to {code} on its card.")
    return [main_menu(ctx, text.format(code=case.code))]


SELL_FLOW = SellFlow()


async def limit_reached(ctx: Ctx) -> str | None:
    """Why this seller may not list anything more now, or None."""
    village, citizen = ctx.village, ctx.citizen
    if village is None or citizen is None:
        return None
    shown = await listings.count_of_seller(ctx.session, citizen.id, statuses=COUNTED)
    if shown >= village.listings_live_max:
        text = ctx._(
            "You already have {n} listings in Lapak Desa, the most one seller may have. "
            "Mark one as sold or withdraw it in 📦 My listings, then try again."
        )
        return text.format(n=shown)
    today = await listings.count_of_seller(
        ctx.session, citizen.id, since=ctx.now() - timedelta(days=1)
    )
    if today >= village.listings_per_day:
        text = ctx._(
            "You have sent {n} new listings in the last 24 hours, the most for one day. "
            "Please send this one tomorrow."
        )
        return text.format(n=today)
    return None


async def start_sell(ctx: Ctx) -> list[Reply]:
    """Start a listing; "mau jual kopi" fills in the name."""
    if ctx.citizen is None or ctx.village is None:
        reason = ctx._("To sell in Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="sell")
    limit = await limit_reached(ctx)
    if limit is not None:
        return [main_menu(ctx, limit)]
    form = SellForm()
    said = clean(ctx.msg.text) if ctx.msg.kind is Kind.TEXT else ""
    entry = _ENTRY_WORDS.match(said)
    name = said[entry.end() :].strip() if entry else ""
    if NAME_MIN <= len(name) <= NAME_MAX:
        form.name = name[0].upper() + name[1:]
    return form_engine.start(ctx, SELL_FLOW, form)


async def start_fix(ctx: Ctx, case_id: int) -> list[Reply]:
    """The seller tapped ✏️ Correct now: ask only what officials flagged."""
    case = await cases.by_id(ctx.session, case_id)
    if case is None or ctx.citizen is None or case.citizen_id != ctx.citizen.id:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    if case.status != FIX:
        return [
            main_menu(ctx, ctx._("Listing {code} needs no correction now.").format(code=case.code))
        ]
    return form_engine.start(ctx, SELL_FLOW, _form_of(case, list(ListingData.of(case).flagged)))


async def start_edit(ctx: Ctx, case_id: int) -> list[Reply]:
    """✏️ Ubah from Lapak saya: the listing's summary, each part changeable."""
    case = await cases.by_id(ctx.session, case_id)
    if case is None or ctx.citizen is None or case.citizen_id != ctx.citizen.id:
        return [main_menu(ctx, ctx._("That listing no longer exists."))]
    if case.status not in (PENDING, LIVE, RESERVED):
        return [main_menu(ctx, ctx._("This listing has changed meanwhile. Please try again."))]
    steps = ["name", "category", "price", "photos", "description", "stock", "delivery", "contact"]
    form = _form_of(case, steps)
    form.editing = True
    return form_engine.start(ctx, SELL_FLOW, form, at_summary=True)


def _form_of(case: Case, steps: list[str]) -> SellForm:
    data = ListingData.of(case)
    return SellForm(
        name=data.name,
        category=data.category,
        price=data.price,
        nego=data.price is None,
        unit=data.unit,
        photos=list(data.photos),
        photos_done=True,
        description=data.description,
        stock=data.stock,
        delivery=data.delivery,
        contact=data.contact,
        whatsapp=data.whatsapp or "",
        fix_case=case.id,
        fix_steps=steps,
    )
