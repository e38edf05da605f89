"""💬 Hubungi penjual: a buyer's messages relayed to the seller and back, numbers hidden.

A buyer presses 💬 on a listing and types one message (a `OneQuestion`); Balai queues it
for the seller through the outbox with the listing and ✍️ Balas / 🔚 Akhiri / 🚫 Blokir.
The seller's ✍️ Balas asks one question the same way, and so on. Each side sees only
Balai: the seller sees "Pembeli <n>" (n: the order in which buyers first wrote about the
listing), the buyer sees the seller's first name as the listing shows it. Only text is
relayed. The thread, its daily count, blocks and the daily cap on new conversations live
in the database (storage/contacts.py); every change is one conditional statement.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.menu import main_menu, register_first
from flows.engine.question import Asked, OneQuestion
from flows.engine.types import Button, Expect, Outbound, Reply
from flows.market.card import SHOWN, first_name, price_text
from storage import contacts, links, statuses
from storage.models import Citizen, ContactThread, Listing

PREFIX = "kontak"
# Against abuse: messages relayed on one conversation a day (both ways together), and
# conversations one buyer may start a day.
MESSAGES_PER_DAY = 30
NEW_PER_DAY = 10
MESSAGE_MAX = 1000
BUYER, SELLER = statuses.ENDED_BY_BUYER, statuses.ENDED_BY_SELLER
# Why a thread ended, beside the side that ended it.
LISTING_GONE, ERASED = statuses.ENDED_BY_LISTING, statuses.ENDED_BY_ERASURE

Gettext = Callable[[str], str]


def buttons(ctx: Ctx, listing: Listing) -> tuple[Button, ...]:
    """The listing view's 💬 button: for anyone but the seller."""
    if ctx.citizen is not None and ctx.citizen.id == listing.citizen_id:
        return ()
    return (Button(ctx._("💬 Contact seller"), f"{PREFIX}:new:{listing.id}"),)


def _first_name(citizen: Citizen | None) -> str:
    return first_name(citizen.full_name if citizen is not None else None)


def _day(ctx: Ctx, village: VillageConfig | None) -> str:
    now = ctx.now()
    return (now.astimezone(village.zone) if village is not None else now).date().isoformat()


def _heading(listing: Listing) -> str:
    return f"💬 {listing.name} · {listing.code}"


def _about(gettext: Gettext, listing: Listing) -> str:
    return f"🛒 {listing.name} ({listing.code}, {price_text(gettext, listing.price, listing.unit)})"


def _home(ctx: Ctx) -> Button:
    return Button(ctx._("🏠 Main menu"), "menu:menu")


async def _listing(ctx: Ctx, listing_id: int) -> Listing | None:
    return await ctx.session.get(Listing, listing_id, populate_existing=True)


async def _tell(
    ctx: Ctx, citizen_id: int, listing: Listing, compose: Callable[[Gettext], Reply], key: str
) -> None:
    """Queue a message for one side, in their language, on the app they used last."""
    village = ctx.services.village_by_id(listing.village_id)
    for identity in await links.notified(ctx.session, citizen_id):
        gettext = ctx.services.translations(identity.locale).gettext
        ctx.send(
            Outbound(
                identity.channel,
                identity.external_id,
                compose(gettext),
                dedupe_key=f"{key}:{identity.id}",
                village=village.code if village is not None else None,
            )
        )


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
        day = _day(ctx, ctx.services.village_by_id(listing.village_id))
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
        day = _day(ctx, ctx.services.village_by_id(listing.village_id))
        if not await contacts.take_start(ctx.session, citizen.id, day, NEW_PER_DAY):
            return [main_menu(ctx, _starts_used(ctx))]
        await contacts.open_thread(
            ctx.session, listing.id, listing.citizen_id, citizen.id, ctx.now()
        )
        # Opened by this statement, or a moment ago by another press: either way, open.
        thread = await contacts.thread_of(ctx.session, listing.id, citizen.id)
    if thread is None:
        raise LookupError("a conversation vanished while it was being opened")
    return await _relay(ctx, thread, listing, BUYER, text)


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


def _ended(ctx: Ctx) -> list[Reply]:
    text = ctx._("This conversation has ended, so no more messages can be sent in it.")
    return [main_menu(ctx, text)]


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
        return _ended(ctx)
    if listing.status not in SHOWN:
        await _end_and_tell(ctx, thread, listing, LISTING_GONE, role)
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
        who = ctx._("seller {name}").format(name=_first_name(await _citizen(ctx, thread.seller_id)))
    heading = ctx._("✍️ To {who} · {name}").format(who=who, name=listing.name)
    return form_engine.start(
        ctx, CONTACT_FLOW, Asked(case_id=thread.id, purpose="reply", heading=heading)
    )


async def _citizen(ctx: Ctx, citizen_id: int) -> Citizen | None:
    return await ctx.session.get(Citizen, citizen_id)


async def _send_reply(ctx: Ctx, citizen: Citizen, thread_id: int, text: str) -> list[Reply]:
    found = await _thread_for(ctx, citizen, thread_id)
    if isinstance(found, list):
        return found
    thread, role, listing = found
    if role == BUYER:
        refusal = await _refusal(ctx, citizen, listing)
        if refusal is not None:
            return [main_menu(ctx, refusal)]
    return await _relay(ctx, thread, listing, role, text)


async def _relay(
    ctx: Ctx, thread: ContactThread, listing: Listing, role: str, text: str
) -> list[Reply]:
    """Count the message against the day's cap and queue it for the other side."""
    day = _day(ctx, ctx.services.village_by_id(listing.village_id))
    if not await contacts.count_message(ctx.session, thread.id, day, MESSAGES_PER_DAY, ctx.now()):
        thread = await contacts.thread(ctx.session, thread.id) or thread
        if thread.status != contacts.OPEN:
            return _ended(ctx)
        limit = ctx._(
            "{n} messages have been passed on in this conversation today, the most for one "
            "day. Please go on tomorrow. Your message was not sent."
        )
        return [main_menu(ctx, limit.format(n=MESSAGES_PER_DAY))]
    reply_button = f"{PREFIX}:reply:{thread.id}"
    end_button = f"{PREFIX}:end:{thread.id}"
    key = f"{PREFIX}:{thread.id}:{ctx.state.key if ctx.state is not None else ''}"
    if role == BUYER:

        def to_seller(gettext: Gettext) -> Reply:
            who = gettext("Buyer {n}").format(n=thread.number)
            lines = [
                gettext("💬 A message from {who} about your listing:").format(who=who),
                _about(gettext, listing),
                "",
                text,
                "",
                gettext("Answer with ✍️ Reply. Neither of you sees the other's number."),
            ]
            options = (
                (Button(gettext("✍️ Reply"), reply_button),),
                (Button(gettext("🔚 End conversation"), end_button),),
                (Button(gettext("🚫 Block buyer"), f"{PREFIX}:block:{thread.id}"),),
            )
            return Reply("\n".join(lines), options, Expect.CHOICE)

        await _tell(ctx, thread.seller_id, listing, to_seller, key)
        said = ctx._(
            "✅ Your message has been passed on to the seller of {name}. Their answer will "
            "come here."
        ).format(name=listing.name)
    else:
        seller = _first_name(await _citizen(ctx, thread.seller_id))

        def to_buyer(gettext: Gettext) -> Reply:
            lines = [
                gettext("💬 The seller {name} answers:").format(name=seller),
                _about(gettext, listing),
                "",
                text,
            ]
            options = (
                (Button(gettext("✍️ Reply"), reply_button),),
                (Button(gettext("🔚 End conversation"), end_button),),
            )
            return Reply("\n".join(lines), options, Expect.CHOICE)

        await _tell(ctx, thread.buyer_id, listing, to_buyer, key)
        said = ctx._("✅ Your answer has been passed on to Buyer {n}.").format(n=thread.number)
    options = ((Button(ctx._("🔚 End conversation"), end_button),), (_home(ctx),))
    return [Reply(said, options, Expect.CHOICE)]


async def _end_and_tell(
    ctx: Ctx, thread: ContactThread, listing: Listing, why: str, told_by: str | None
) -> bool:
    """End the thread (if still open) and tell the side that did not end it; both sides
    when neither did (the listing ended, a resident deleted their data)."""
    if not await contacts.end(ctx.session, thread.id, why, ctx.now()):
        return False
    number, name, code = thread.number, listing.name, listing.code

    def notice(gettext: Gettext) -> Reply:
        if why == SELLER:
            text = gettext("🔚 The seller ended the conversation about {name} ({code}).")
        elif why == BUYER:
            text = gettext("🔚 Buyer {n} ended the conversation about {name} ({code}).")
        elif why == LISTING_GONE:
            text = gettext(
                "🔚 The conversation about {name} ({code}) has ended: the product is no "
                "longer offered."
            )
        else:
            text = gettext("🔚 The conversation about {name} ({code}) has ended.")
        more = gettext("No more messages can be sent in it.")
        return Reply(f"{text.format(n=number, name=name, code=code)} {more}")

    key = f"{PREFIX}:end:{thread.id}:{ctx.now().timestamp()}"
    for side, citizen_id in ((BUYER, thread.buyer_id), (SELLER, thread.seller_id)):
        if side != told_by:
            await _tell(ctx, citizen_id, listing, notice, f"{key}:{side}")
    return True


async def _end(ctx: Ctx, citizen: Citizen, thread_id: int) -> list[Reply]:
    thread = await contacts.thread(ctx.session, thread_id)
    role = _role(thread, citizen)
    listing = await _listing(ctx, thread.listing_id) if thread is not None else None
    if thread is None or role is None or listing is None:
        return _not_found(ctx)
    if not await _end_and_tell(ctx, thread, listing, role, role):
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
            await _end_and_tell(ctx, between, listing, SELLER, SELLER)
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
            await _end_and_tell(ctx, thread, listing, ERASED, side)
