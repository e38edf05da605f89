"""🔔 Kabari saya: a buyer saves a search and is told when a matching listing is approved.

Matching is the search's own (storage/listing_search.py): the saved words are corrected
against the vocabulary (aliases, slips) and the new listing must hold one correction of
every word, the condition `search` puts first (its ranking only orders, so it has no part
in a yes or no). Approving a listing does not read every saved search: each
saved search keeps lookup words (its typed words, their corrections when saved, and each
word less one letter), and an approval looks up only the listing's words, their starts and
each less one letter: a saved "singk" finds "singkong", and a slip the vocabulary could not
place when saved ("kopii" before any coffee was listed) meets "kopi" at "kopi". The index
lookup costs a few hundred keys per listing, however many searches are saved; only the
candidates it gives are checked with the real matcher (corrections memoised per approval).
At most one message a day per saved search, claimed by a conditional UPDATE.
"""

from __future__ import annotations

from datetime import timedelta

from flows.common.text import BUTTON_MAX, clean, fit_label
from flows.engine.context import Ctx
from flows.engine.menu import register_first
from flows.engine.types import Button, Expect, Outbound, Reply, rows
from flows.market.card import SHOWN, ListingData, price_text
from flows.market.live import search_text
from storage import links, listing_search, listings, saved_searches
from storage.models import Case, Citizen, Listing, SavedSearch

# Saved searches one resident may keep.
CAP = 10
TOLD_EVERY = timedelta(hours=24)
# Button data: "kabari:s:<query>"; a query is at most as long as the search's (browse.py).
PREFIX = "kabari"
QUERY_BYTES = 40
# Starts of a listing's words looked up as saved words (shorter ones find too much).
SHORTEST_START = 3


def save_button(ctx: Ctx, query: str) -> Button:
    """🔔 Kabari saya under a page of results (or under nothing found)."""
    return Button(ctx._("🔔 Notify me"), f"{PREFIX}:s:{query}")


def menu_button(ctx: Ctx) -> Button:
    return Button(ctx._("🔔 Saved searches"), "menu:saved_searches")


async def saved_list(ctx: Ctx, note: str = "") -> list[Reply]:
    """🔔 Pencarian tersimpan: each saved search with 🗑️ Hapus, and 🔕 stop them all."""
    if ctx.citizen is None:
        reason = ctx._("To use Lapak Desa, please register first; you only do it once.")
        return await register_first(ctx, reason, then="market")
    found = await saved_searches.of_citizen(ctx.session, ctx.citizen.id)
    home = Button(ctx._("🏠 Main menu"), "menu:menu")
    if not found:
        text = ctx._(
            "You have no saved searches. Search with 🔎 Search, then tap 🔔 Notify me under "
            "the results: we tell you when a matching listing is approved."
        )
        find = Button(ctx._("🔎 Search"), "menu:find")
        return [Reply(text, ((find,), (home,)), Expect.CHOICE).noted(note)]
    lines = [ctx._("🔔 Your saved searches:"), ""]
    lines += [f"{n}. {s.query}" for n, s in enumerate(found, start=1)]
    lines += [
        "",
        ctx._(
            "We tell you when a matching listing is approved, at most once a day for each. "
            "Tap 🗑️ to delete one."
        ),
    ]
    delete = ctx._("🗑️ {query}")
    room = BUTTON_MAX - len(delete.format(query=""))
    buttons = [
        Button(delete.format(query=fit_label(s.query, room)), f"{PREFIX}:d:{s.id}") for s in found
    ]
    buttons += [Button(ctx._("🔕 Stop all"), f"{PREFIX}:x"), home]
    return [Reply("\n".join(lines), rows(*buttons, per_row=1), Expect.CHOICE).noted(note)]


async def _save(ctx: Ctx, citizen: Citizen, pressed: str) -> list[Reply]:
    # Button data is untrusted: kept to what a search button can carry.
    query = clean(pressed).encode()[:QUERY_BYTES].decode(errors="ignore").strip()
    words = listing_search.query_words(query)
    if sum(map(len, words)) < 2:
        return await saved_list(ctx, ctx._("That search is too short to save."))
    normalised = " ".join(words)
    mine = await saved_searches.of_citizen(ctx.session, citizen.id)
    if any(s.normalised == normalised for s in mine):
        note = ctx._("You already saved \u201c{query}\u201d.").format(query=query)
        return await saved_list(ctx, note)
    # One person's updates run one at a time, so the count cannot change under us.
    if len(mine) >= CAP:
        note = ctx._(
            "You already have {n} saved searches, the most one person may keep. "
            "Delete one below first."
        ).format(n=len(mine))
        return await saved_list(ctx, note)
    groups = await listing_search.corrected(ctx.session, words)
    added = await saved_searches.add(
        ctx.session,
        citizen_id=citizen.id,
        village_id=citizen.village_id,
        query=query,
        normalised=normalised,
        terms=_saved_terms(words, groups),
        now=ctx.now(),
    )
    if not added:  # the same search, saved by a double tap a moment ago
        note = ctx._("You already saved \u201c{query}\u201d.").format(query=query)
        return await saved_list(ctx, note)
    text = ctx._(
        "🔔 Saved. We will tell you here when a listing for \u201c{query}\u201d is approved, "
        "at most once a day."
    ).format(query=query)
    buttons = rows(menu_button(ctx), Button(ctx._("🏠 Main menu"), "menu:menu"))
    return [Reply(text, buttons, Expect.CHOICE)]


async def on_choice(ctx: Ctx, value: str) -> list[Reply]:
    """The saved searches' buttons: save, delete one, stop all."""
    citizen = ctx.citizen
    if citizen is None:
        return await saved_list(ctx)
    action, _sep, rest = value.partition(":")
    if action == "s" and rest:
        return await _save(ctx, citizen, rest)
    if action == "d" and rest.isascii() and rest.isdigit():
        removed = await saved_searches.remove(ctx.session, citizen.id, int(rest))
        note = ctx._("Deleted.") if removed else ctx._("That saved search no longer exists.")
        return await saved_list(ctx, note)
    if action == "x":
        count = await saved_searches.remove_all(ctx.session, citizen.id)
        note = ctx._("Stopped. We will no longer tell you about {n} saved searches.")
        return await saved_list(ctx, note.format(n=count))
    return await saved_list(ctx)


async def forget_all(ctx: Ctx, citizen: Citizen) -> None:
    """A resident deleted their data: their saved searches go with it."""
    await saved_searches.remove_all(ctx.session, citizen.id)


def _less_one(word: str) -> set[str]:
    """The word with one letter left out (from 4 letters): two words one slip apart share
    one of these, so a slip finds its candidates by plain lookups."""
    if len(word) < 4:
        return set()
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _saved_terms(words: list[str], groups: list[list[str]]) -> set[str]:
    """A saved search's lookup words: its words, their corrections now, each less one."""
    found = {*words, *(term for group in groups for term in group)}
    for word in words:
        found |= _less_one(word)
    return found


def _lookup_words(text: str) -> set[str]:
    """A listing's words, their starts and each less one letter: what the lookup words of
    a saved search it may match can be."""
    found = set()
    for word in listing_search.normalise(text).split():
        found.add(word)
        found.update(word[:n] for n in range(SHORTEST_START, len(word)))
        found |= _less_one(word)
    return found


async def tell_watchers(ctx: Ctx, case: Case) -> None:
    """A listing was approved: tell each saved search of its village it matches (once a
    day per saved search; never the seller)."""
    listing = await listings.by_case(ctx.session, case.id)
    if listing is None or listing.status not in SHOWN:
        return
    village = ctx.services.village_by_id(case.village_id)
    lookup = _lookup_words(search_text(village, ListingData.of(case)))
    now = ctx.now()
    told_before = now - TOLD_EVERY
    found = await saved_searches.candidates(
        ctx.session,
        case.village_id,
        lookup,
        not_citizen=listing.citizen_id,
        told_before=told_before,
    )
    memo: dict[str, list[str]] = {}
    for saved in found:
        # Every word must be placed: the search drops a word it cannot place (and still
        # shows the rest), but a message about "kopi" for "kopi robusta" would mislead.
        words = [word for word in saved.normalised.split() if len(word) >= 2]
        groups = [await listing_search.corrected(ctx.session, [word], memo) for word in words]
        if not all(groups):
            continue
        if not await listing_search.matches(ctx.session, listing.id, [g[0] for g in groups]):
            continue
        if await saved_searches.claim_telling(ctx.session, saved.id, now, told_before):
            await _tell(ctx, saved, listing, case.version)


async def _tell(ctx: Ctx, saved: SavedSearch, listing: Listing, version: int) -> None:
    village = ctx.services.village_by_id(listing.village_id)
    for identity in await links.notified(ctx.session, saved.citizen_id):
        _ = ctx.services.translations(identity.locale).gettext
        text = _("🔔 New in Lapak Desa for your search \u201c{query}\u201d:\n{name} · {price}")
        text = text.format(
            query=saved.query,
            name=listing.name,
            price=price_text(_, listing.price, listing.unit),
        )
        buttons = rows(
            Button(_("🔎 See it"), f"cari:o:{listing.id}"),
            Button(_("🔕 Stop this"), f"{PREFIX}:d:{saved.id}"),
            per_row=2,
        )
        ctx.send(
            Outbound(
                identity.channel,
                identity.external_id,
                Reply(text, buttons, Expect.CHOICE),
                # Per approval (the case's version): a listing approved again after a
                # change is news again, once the day has passed.
                dedupe_key=f"saved-search:{saved.id}:{listing.id}:{version}:{identity.id}",
                village=village.code if village is not None else None,
            )
        )
