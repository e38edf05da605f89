"""💬 Hubungi penjual: a buyer's messages relayed to the seller and back, numbers hidden.

A buyer presses 💬 on a listing and types one message (a `OneQuestion`); Balai queues it
for the seller through the outbox with the listing and ✍️ Balas / 🔚 Akhiri / 🚫 Blokir.
The seller's ✍️ Balas asks one question the same way, and so on. Each side sees only
Balai: the seller sees "Pembeli <n>" (n: the order in which buyers first wrote about the
listing), the buyer sees the seller's first name as the listing shows it. Only text is
relayed. The thread, its daily count, blocks and the daily cap on new conversations live
in the database (storage/contacts.py); every change is one conditional statement. What
reaches the other side (the relayed message, the end of a conversation) is
`contact_relay.py`'s.
"""

from __future__ import annotations

from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.menu import main_menu, register_first
from flows.engine.question import Asked, OneQuestion
from flows.engine.types import Button, Expect, Reply
from flows.market.card import SHOWN
from flows.market.contact_relay import (
    BUYER,
    ERASED,
    LISTING_GONE,
    PREFIX,
    SELLER,
    citizen_by_id,
    end_and_tell,
    ended,
    first_name_of,
    local_day,
    relay,
)
from storage import contacts
from storage.models import Citizen, ContactThread, Listing

# Against abuse: conversations one buyer may start a day.
NEW_PER_DAY = 10
MESSAGE_MAX = 1000


def buttons(ctx: Ctx, listing: Listing) -> tuple[Button, ...]:
    """The listing view's 💬 button: for anyone but the seller."""
    if ctx.citizen is not None and ctx.citizen.id == listing.citizen_id:
        return ()
    return (Button(ctx._("💬 Contact seller"), f"{PREFIX}:new:{listing.id}"),)


def _heading(listing: Listing) -> str:
    return f"💬 {listing.name} · {listing.code}"


async def _listing(ctx: Ctx, listing_id: int) -> Listing | None:
    return await ctx.session.get(Listing, listing_id, populate_existing=True)


# --- the buyer presses 💬 --------------------------------------------------------------
async def _refusal(ctx: Ctx, citizen: Citizen, listing: Listing | None) -> str | None:
    """Why this buyer cannot write about this listing now, or None."""
    if listing is None or listing.status not in SHOWN:
        return ctx._(
            "This product is no longer offered in Lapak Desa (sold or withdrawn), so no "
            "message can be sent about it."
        )
    if listing.citizen_id == citizen.id:
        return ctx._("This is your own listing; buyers contact you about it here.")
    if await contacts.is_blocked(ctx.session, listing.citizen_id, citizen.id):
        return ctx._(
            "The seller of this product does not take messages from you through Balai. "
            "Other sellers in Lapak Desa may have what you need."
        )
    return None


def _starts_used(ctx: Ctx) -> str:
    return ctx._(
        "You have started {n} conversations with sellers today, the most for one day. "
        "Please try again tomorrow; your open conversations go on as before."
    ).format(n=NEW_PER_DAY)


async def _start_new(ctx: Ctx, citizen: Citizen, listing_id: int) -> list[Reply]:
    listing = await _listing(ctx, listing_id)
    refusal = await _refusal(ctx, citizen, listing)
    if refusal is not None or listing is None:
        return [main_menu(ctx, refusal)]
    thread = await contacts.thread_of(ctx.session, listing.id, citizen.id)
    if thread is None or thread.status != contacts.OPEN:
        day = local_day(ctx, ctx.services.village_by_id(listing.village_id))
        if await contacts.starts_left(ctx.session, citizen.id, day, NEW_PER_DAY) <= 0:
            return [main_menu(ctx, _starts_used(ctx))]
    asked = Asked(case_id=listing.id, purpose="new", heading=_heading(listing))
    return form_engine.start(ctx, CONTACT_FLOW, asked)


async def _send_new(ctx: Ctx, citizen: Citizen, listing_id: int, text: str) -> list[Reply]:
    """The buyer's first message about a listing (or the first after it ended)."""
    listing = await _listing(ctx, listing_id)
    refusal = await _refusal(ctx, citizen, listing)
    if refusal is not None or listing is None:
        return [main_menu(ctx, refusal)]
    thread = await contacts.thread_of(ctx.session, listing.id, citizen.id)
    if thread is None or thread.status != contacts.OPEN:
        day = local_day(ctx, ctx.services.village_by_id(listing.village_id))
        if not await contacts.take_start(ctx.session, citizen.id, day, NEW_PER_DAY):
            return [main_menu(ctx, _starts_used(ctx))]
        await contacts.open_thread(
            ctx.session, listing.id, listing.citizen_id, citizen.id, ctx.now()
        )
        # Opened by this statement, or a moment ago by another press: either way, open.
        thread = await contacts.thread_of(ctx.session, listing.id, citizen.id)
    if thread is None:
        raise LookupError("a conversation vanished while it was being opened")
    return await relay(ctx, thread, listing, BUYER, text)


# --- ✍️ Balas, 🔚 Akhiri, 🚫 Blokir -------------------------------------------------------
def _role(thread: ContactThread | None, citizen: Citizen) -> str | None:
    if thread is None:
        return None
    if thread.buyer_id == citizen.id:
        return BUYER
    if thread.seller_id == citizen.id:
        return SELLER
    return None


def _not_found(ctx: Ctx) -> list[Reply]:
    return [main_menu(ctx, ctx._("That conversation was not found among yours."))]


async def _thread_for(
    ctx: Ctx, citizen: Citizen, thread_id: int
) -> tuple[ContactThread, str, Listing] | list[Reply]:
    """The thread, the presser's side in it and its listing; or what to tell them."""
    thread = await contacts.thread(ctx.session, thread_id)
    role = _role(thread, citizen)
    listing = await _listing(ctx, thread.listing_id) if thread is not None else None
    if thread is None or role is None or listing is None:
        return _not_found(ctx)
    if thread.status != contacts.OPEN:
        return ended(ctx)
    if listing.status not in SHOWN:
        await end_and_tell(ctx, thread, listing, LISTING_GONE, role)
        text = ctx._(
            "{name} is no longer offered in Lapak Desa (sold or withdrawn), so this "
            "conversation has ended."
        ).format(name=listing.name)
        return [main_menu(ctx, text)]
    return thread, role, listing


async def _start_reply(ctx: Ctx, citizen: Citizen, thread_id: int) -> list[Reply]:
    found = await _thread_for(ctx, citizen, thread_id)
    if isinstance(found, list):
        return found
    thread, role, listing = found
    if role == SELLER:
        who = ctx._("Buyer {n}").format(n=thread.number)
    else:
        who = ctx._("seller {name}").format(
            name=first_name_of(await citizen_by_id(ctx, thread.seller_id))
        )
    heading = ctx._("✍️ To {who} · {name}").format(who=who, name=listing.name)
    return form_engine.start(
        ctx, CONTACT_FLOW, Asked(case_id=thread.id, purpose="reply", heading=heading)
    )


async def _send_reply(ctx: Ctx, citizen: Citizen, thread_id: int, text: str) -> list[Reply]:
    found = await _thread_for(ctx, citizen, thread_id)
    if isinstance(found, list):
        return found
    thread, role, listing = found
    if role == BUYER:
        refusal = await _refusal(ctx, citizen, listing)
        if refusal is not None:
            return [main_menu(ctx, refusal)]
    return await relay(ctx, thread, listing, role, text)


async def _end(ctx: Ctx, citizen: Citizen, thread_id: int) -> list[Reply]:
    thread = await contacts.thread(ctx.session, thread_id)
    role = _role(thread, citizen)
    listing = await _listing(ctx, thread.listing_id) if thread is not None else None
    if thread is None or role is None or listing is None:
        return _not_found(ctx)
    if not await end_and_tell(ctx, thread, listing, role, role):
        return [main_menu(ctx, ctx._("This conversation had already ended."))]
    other = ctx._("Buyer {n}").format(n=thread.number) if role == SELLER else ctx._("The seller")
    text = ctx._("🔚 Conversation about {name} ended. {other} has been told.")
    return [main_menu(ctx, text.format(name=listing.name, other=other))]


async def _confirm_block(ctx: Ctx, citizen: Citizen, thread_id: int) -> list[Reply]:
    thread = await contacts.thread(ctx.session, thread_id)
    if thread is None or _role(thread, citizen) != SELLER:
        return _not_found(ctx)
    text = ctx._(
        "Block Buyer {n}? They will not be able to send you messages about any of your "
        "listings again."
    ).format(n=thread.number)
    options = (
        (Button(ctx._("🚫 Yes, block"), f"{PREFIX}:blockok:{thread.id}"),),
        (Button(ctx._("❌ Cancel"), "menu:menu"),),
    )
    return [Reply(text, options, Expect.CHOICE)]


async def _block(ctx: Ctx, citizen: Citizen, thread_id: int) -> list[Reply]:
    thread = await contacts.thread(ctx.session, thread_id)
    if thread is None or _role(thread, citizen) != SELLER:
        return _not_found(ctx)
    await contacts.block(ctx.session, citizen.id, thread.buyer_id, ctx.now())
    for between in await contacts.open_threads_between(ctx.session, citizen.id, thread.buyer_id):
        listing = await _listing(ctx, between.listing_id)
        if listing is not None:
            await end_and_tell(ctx, between, listing, SELLER, SELLER)
    text = ctx._(
        "🚫 Buyer {n} is blocked: they cannot send you messages about any of your listings."
    )
    return [main_menu(ctx, text.format(n=thread.number))]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """💬 on a listing; ✍️ Balas, 🔚 Akhiri and 🚫 Blokir on a relayed message."""
    citizen = ctx.citizen
    if citizen is None:
        reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="market")
    action, _sep, rest = value.partition(":")
    if not rest.isascii() or not rest.isdigit():
        return _not_found(ctx)
    record = int(rest)
    if action == "new":
        return await _start_new(ctx, citizen, record)
    if action == "reply":
        return await _start_reply(ctx, citizen, record)
    if action == "end":
        return await _end(ctx, citizen, record)
    if action == "block":
        return await _confirm_block(ctx, citizen, record)
    if action == "blockok":
        return await _block(ctx, citizen, record)
    return _not_found(ctx)


async def _send(ctx: Ctx, form: Asked) -> list[Reply]:
    citizen = ctx.citizen
    if citizen is None:
        return [main_menu(ctx)]
    if form.purpose == "new":
        return await _send_new(ctx, citizen, form.case_id, form.text)
    return await _send_reply(ctx, citizen, form.case_id, form.text)


def _ask(ctx: Ctx, form: Asked) -> str:
    if form.purpose == "new":
        return ctx._(
            "Type your message for the seller. Balai passes it on without your number or "
            "name, and their answer comes back here. Only text is passed on."
        )
    return ctx._("Type your answer. Only text is passed on.")


# The one question of both directions: `Asked.case_id` carries the listing for a buyer's
# first message ("new") and the thread for an answer ("reply").
CONTACT_FLOW = OneQuestion(
    "market_contact",
    title=lambda ctx: ctx._("💬 Contact seller"),
    ask=_ask,
    invalid=lambda ctx: ctx._(
        "Only text messages are passed on, not photos, voice notes or files. Nothing "
        "has been sent yet."
    ),
    done=_send,
    max_length=MESSAGE_MAX,
    step_name="message",
)


async def end_all(ctx: Ctx, citizen: Citizen) -> None:
    """A resident deleted their data: their conversations end, and the other side is told."""
    for thread in await contacts.open_threads_of(ctx.session, citizen.id):
        listing = await _listing(ctx, thread.listing_id)
        side = BUYER if thread.buyer_id == citizen.id else SELLER
        if listing is not None:
            await end_and_tell(ctx, thread, listing, ERASED, side)
