"""The officials' side of registration: resident cards in the admin chat and verification.

A press in an admin chat counts only from a member of that village's admin chat; the
card carries the record id and the version it showed, both checked again here.
"""

from __future__ import annotations

from flows.cases.commands import refresh_open_cards_of
from flows.common.formatting import masked_nik, masked_phone, rt_rw, village_time
from flows.common.villages import VillageConfig
from flows.engine.admin import actor, admin_gettext
from flows.engine.catalog import Capability
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Outbound, Reply
from storage import audit, links, outbox, people
from storage.models import Citizen

# The key of a resident's card in the admin chat: `citizen-card:<citizen id>:<version>`;
# every version's card shares the outbox's `card` column, `citizen-card:<citizen id>`.
CITIZEN_CARD_PREFIX = outbox.CITIZEN_CARD_PREFIX

VERIFY = "ver"


def citizen_card(ctx: Ctx, citizen: Citizen, village: VillageConfig, headline: str) -> Reply:
    """The card officials see: NIK and phone masked, as they need neither whole here."""
    _ = admin_gettext(ctx)
    lines = [
        headline,
        "",
        _("Name: {name}").format(name=citizen.full_name),
        _("NIK: {nik}").format(nik=masked_nik(citizen.nik or "")),
        _("Dusun: {dusun}, RT/RW {rtrw}").format(
            dusun=citizen.dusun, rtrw=rt_rw(citizen.rt or "", citizen.rw or "")
        ),
        _("Mobile: {phone}").format(phone=masked_phone(citizen.phone or "")),
        _("Registered: {when}").format(when=village_time(citizen.registered_at, village)),
    ]
    if citizen.verified_at is not None:
        lines.append(
            _("✅ Verified by {name}, {when}").format(
                name=citizen.verified_by, when=village_time(citizen.verified_at, village)
            )
        )
        return Reply("\n".join(lines), replace_origin=True)
    button = Button(_("✅ Verify"), f"{VERIFY}:{citizen.id}:{citizen.version}")
    return Reply("\n".join(lines), ((button,),), Expect.CHOICE, replace_origin=True)


async def verify_citizen(ctx: Ctx, value: str) -> list[Reply]:
    """Mark a resident's data as checked by an official, once, on the card's version."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    citizen_id, _sep, version = value.partition(":")
    citizen = (
        await people.citizen_by_id(ctx.session, int(citizen_id)) if citizen_id.isdigit() else None
    )
    if (
        village is None
        or citizen is None
        or citizen.village_id != ctx.services.village_ids.get(village.code)
    ):
        return [Reply(_("This card is not valid in this group."))]
    seen = int(version) if version.isdigit() else -1
    values = {
        "verified_at": ctx.now(),
        "verified_by": (ctx.msg.sender_name or ctx.msg.sender)[:100],
    }
    # One conditional UPDATE on the card's version: of two officials pressing at once,
    # exactly one wins; the other is told who did, with the card as it is now.
    if await people.claim_citizen_version(ctx.session, citizen, seen, values, unverified=True):
        outcome = "done"
        await _tell_citizen_verified(ctx, citizen)
        # Their open cases' cards warn that they are not verified: no longer.
        await refresh_open_cards_of(ctx, citizen.id)
        replies = [citizen_card(ctx, citizen, village, _("👤 Resident"))]
    else:
        outcome = "stale"
        replies = _why_not_verified(ctx, citizen, village)
    await audit.record(
        ctx.session,
        at=ctx.now(),
        actor=actor(ctx),
        village_id=citizen.village_id,
        action="verify_citizen",
        record_type="citizen",
        record_id=citizen.id,
        outcome=outcome,
    )
    return replies


def _why_not_verified(ctx: Ctx, citizen: Citizen, village: VillageConfig) -> list[Reply]:
    """The press lost to a change made since the card was sent: say which, show it now."""
    _ = admin_gettext(ctx)
    if citizen.deleted_at is not None:
        return [Reply(_("This resident has deleted their data."), replace_origin=True)]
    if citizen.verified_at is not None:
        note = _("Already verified by {name}.").format(name=citizen.verified_by)
    else:
        note = _("The resident changed their data after this card was sent. Here is the new data:")
    return [Reply(note), citizen_card(ctx, citizen, village, _("👤 Resident"))]


async def _tell_citizen_verified(ctx: Ctx, citizen: Citizen) -> None:
    village = ctx.services.village_by_id(citizen.village_id)
    village_name = village.name if village is not None else ""
    for identity in await links.notified(ctx.session, citizen.id):
        gettext = ctx.services.translations(identity.locale).gettext
        text = gettext("Good news: a village official has checked and verified your data.")
        ctx.send(
            Outbound(
                identity.channel,
                identity.external_id,
                Reply(text),
                dedupe_key=f"verified:{citizen.id}:{citizen.version}:{identity.id}",
                purpose="verified",
                values=(("village", village_name),),
                village=village.code if village is not None else None,
            )
        )


async def forget_cards(ctx: Ctx, citizen: Citizen, village: VillageConfig) -> None:
    """A resident deleted their data: their cards in the admin chat must not keep it."""
    _ = admin_gettext(ctx)
    notice = Reply(_("🗑️ This resident deleted their data."))
    card = f"{CITIZEN_CARD_PREFIX}{citizen.id}"
    for key in await outbox.keys_of_card(ctx.session, card):
        ctx.send(
            Outbound(
                ctx.services.admin_channel,
                village.admin_chat_id,
                notice,
                dedupe_key=f"forget:{key}",
                replaces_key=key,
            )
        )
    # The queued and delivered copies in the outbox lose the personal text as well.
    await outbox.scrub(ctx.session, card, notice.to_payload())


CAPABILITY = Capability(
    name="residents.verification",
    admin_choices={VERIFY: verify_citizen},
)
