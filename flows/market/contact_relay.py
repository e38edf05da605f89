"""What reaches the other side of a 💬 conversation: a relayed message, counted against the
day's cap and queued through the outbox for the other side in their language, on the app
they used last; and a conversation's end, told to whoever did not end it. The buttons and
the one question that lead here are in `contact.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Outbound, Reply
from flows.market.card import first_name, price_text
from storage import contacts, links, statuses
from storage.models import Citizen, ContactThread, Listing

PREFIX = "kontak"
# Against abuse: messages relayed on one conversation a day (both ways together).
MESSAGES_PER_DAY = 30
BUYER, SELLER = statuses.ENDED_BY_BUYER, statuses.ENDED_BY_SELLER
# Why a thread ended, beside the side that ended it.
LISTING_GONE, ERASED = statuses.ENDED_BY_LISTING, statuses.ENDED_BY_ERASURE

Gettext = Callable[[str], str]


def first_name_of(citizen: Citizen | None) -> str:
    return first_name(citizen.full_name if citizen is not None else None)


def local_day(ctx: Ctx, village: VillageConfig | None) -> str:
    now = ctx.now()
    return (now.astimezone(village.zone) if village is not None else now).date().isoformat()


def _about(gettext: Gettext, listing: Listing) -> str:
    return f"🛒 {listing.name} ({listing.code}, {price_text(gettext, listing.price, listing.unit)})"


def _home(ctx: Ctx) -> Button:
    return Button(ctx._("🏠 Main menu"), "menu:menu")


async def tell(
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


def ended(ctx: Ctx) -> list[Reply]:
    text = ctx._("This conversation has ended, so no more messages can be sent in it.")
    return [main_menu(ctx, text)]


async def citizen_by_id(ctx: Ctx, citizen_id: int) -> Citizen | None:
    return await ctx.session.get(Citizen, citizen_id)


async def relay(
    ctx: Ctx, thread: ContactThread, listing: Listing, role: str, text: str
) -> list[Reply]:
    """Count the message against the day's cap and queue it for the other side."""
    day = local_day(ctx, ctx.services.village_by_id(listing.village_id))
    if not await contacts.count_message(ctx.session, thread.id, day, MESSAGES_PER_DAY, ctx.now()):
        thread = await contacts.thread(ctx.session, thread.id) or thread
        if thread.status != contacts.OPEN:
            return ended(ctx)
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

        await tell(ctx, thread.seller_id, listing, to_seller, key)
        said = ctx._(
            "✅ Your message has been passed on to the seller of {name}. Their answer will "
            "come here."
        ).format(name=listing.name)
    else:
        seller = first_name_of(await citizen_by_id(ctx, thread.seller_id))

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

        await tell(ctx, thread.buyer_id, listing, to_buyer, key)
        said = ctx._("✅ Your answer has been passed on to Buyer {n}.").format(n=thread.number)
    options = ((Button(ctx._("🔚 End conversation"), end_button),), (_home(ctx),))
    return [Reply(said, options, Expect.CHOICE)]


async def end_and_tell(
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
            await tell(ctx, citizen_id, listing, notice, f"{key}:{side}")
    return True
