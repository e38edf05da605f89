"""The listings' timer: ask sellers 3 days ahead whether to renew, end listings past their days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.engine.context import Services
from flows.engine.types import Button, Expect, Outbound, Reply
from flows.market.card import EXPIRED, LISTING, SHOWN
from storage import cases, links, listing_search, listings
from storage.models import Listing

RENEWAL_NOTICE = timedelta(days=3)


async def listings_due(services: Services, session: AsyncSession) -> list[Outbound]:
    """End the listings whose time is up; ask the sellers of those ending soon."""
    now = services.clock()
    messages: list[Outbound] = []
    for listing in await listings.expiring(session, sorted(SHOWN), now + RENEWAL_NOTICE):
        case = await cases.by_id(session, listing.case_id)
        if case is None or listing.expires_at is None:
            continue
        if listing.expires_at <= now:
            # One conditional update: a seller renewing at this moment wins or loses whole.
            if not await cases.claim_version(
                session, case.id, case.version, {"status": EXPIRED, "updated_at": now}
            ):
                continue
            await cases.add_event(
                session,
                case.id,
                at=now,
                actor="citizen",
                action="expired",
                from_status=case.status,
                to_status=EXPIRED,
            )
            await listings.set_values(session, case.id, {"status": EXPIRED})
            await listing_search.remove(session, listing.id)
            messages += await _tell(services, session, listing, case.version + 1, ended=True)
        elif listing.renewal_asked_at is None and await listings.mark_renewal_asked(
            session, listing.id, now
        ):
            messages += await _tell(services, session, listing, case.version, ended=False)
    return messages


async def _tell(
    services: Services, session: AsyncSession, listing: Listing, version: int, *, ended: bool
) -> list[Outbound]:
    village = services.village_by_id(listing.village_id)
    days = village.listing_days if village is not None else 30
    out = []
    what = "listing-end" if ended else "listing-renew"
    for identity in await links.notified(session, listing.citizen_id):
        gettext = services.translations(identity.locale).gettext
        if ended:
            text = gettext(
                "Your listing {name} ({code}) has ended after {days} days. Tap 🔁 Renew to "
                "show it again."
            )
        else:
            text = gettext(
                "Your listing {name} ({code}) ends in 3 days. Still selling? Tap 🔁 Renew to "
                "keep it live for another {days} days."
            )
        button = Button(gettext("🔁 Renew"), f"lapak:renew:{listing.case_id}:{version}")
        out.append(
            Outbound(
                identity.channel,
                identity.external_id,
                Reply(
                    text.format(name=listing.name, code=listing.code, days=days),
                    ((button,),),
                    Expect.CHOICE,
                ),
                dedupe_key=f"{what}:{listing.id}:{version}:{identity.id}",
                purpose="case_status",
                values=(
                    ("code", listing.code),
                    ("village", village.name if village is not None else ""),
                    ("status", gettext(LISTING.labels[EXPIRED if ended else listing.status])),
                ),
                topic=f"case:{listing.case_id}",
                village=village.code if village is not None else None,
            )
        )
    return out
