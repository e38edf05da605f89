"""The officials' side of registration: resident cards in the admin chat and verification.

A press in an admin chat counts only from a member of that village's admin chat; the
card carries the record id and the version it showed, both checked again here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flows.catalog import Capability
from flows.context import Ctx
from flows.formatting import masked_nik, masked_phone, rt_rw, village_time
from flows.types import Button, Expect, Outbound, Reply
from flows.villages import VillageConfig
from storage import audit, outbox, people
from storage.models import Citizen

log = logging.getLogger(__name__)

VERIFY = "ver"
# Admin chats are shared by several officials, so they read Balai in Indonesian.
ADMIN_LOCALE = "id"


def admin_gettext(ctx: Ctx) -> Callable[[str], str]:
    return ctx.services.translations(ADMIN_LOCALE).gettext


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


def actor(ctx: Ctx) -> audit.Actor:
    return audit.Actor(ctx.msg.channel, ctx.msg.sender, ctx.msg.sender_name or ctx.msg.sender)


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
    outcome, replies = "done", []
    if citizen.deleted_at is not None:
        outcome = "stale"
        replies = [Reply(_("This resident has deleted their data."), replace_origin=True)]
    elif citizen.verified_at is not None:
        outcome = "stale"
        note = _("Already verified by {name}.").format(name=citizen.verified_by)
        replies = [Reply(note), citizen_card(ctx, citizen, village, _("👤 Resident"))]
    elif version != str(citizen.version):
        outcome = "stale"
        note = _("The resident changed their data after this card was sent. Here is the new data:")
        replies = [Reply(note), citizen_card(ctx, citizen, village, _("👤 Resident"))]
    else:
        citizen.verified_at = ctx.now()
        citizen.verified_by = (ctx.msg.sender_name or ctx.msg.sender)[:100]
        citizen.version += 1
        await _tell_citizen_verified(ctx, citizen)
        replies = [citizen_card(ctx, citizen, village, _("👤 Resident"))]
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


async def _tell_citizen_verified(ctx: Ctx, citizen: Citizen) -> None:
    for identity in await people.identities_of(ctx.session, citizen.id):
        gettext = ctx.services.translations(identity.locale).gettext
        text = gettext("Good news: a village official has checked and verified your data.")
        ctx.send(
            Outbound(
                identity.channel,
                identity.external_id,
                Reply(text),
                dedupe_key=f"verified:{citizen.id}:{citizen.version}:{identity.id}",
            )
        )


async def forget_cards(ctx: Ctx, citizen: Citizen, village: VillageConfig) -> None:
    """A resident deleted their data: their cards in the admin chat must not keep it."""
    _ = admin_gettext(ctx)
    notice = Reply(_("🗑️ This resident deleted their data."))
    prefix = f"citizen-card:{citizen.id}:"
    for key in await outbox.keys_with_prefix(ctx.session, prefix):
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
    await outbox.scrub(ctx.session, prefix, notice.to_payload())


async def admin_help(ctx: Ctx) -> list[Reply]:
    """Explain the admin chat to officials."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    name = village.name if village else ""
    text = _(
        "This is the officials' group of Desa {village}. New residents' registrations "
        "arrive here as cards; tap ✅ Verify after checking the data against the village "
        "records. Only members of this group can use the buttons, and every action is "
        "recorded."
    ).format(village=name)
    return [Reply(text)]


async def refuse_non_official(ctx: Ctx, village: VillageConfig) -> list[Reply]:
    """Politely refuse someone who is not an official of this admin chat, and record it."""
    _ = admin_gettext(ctx)
    log.warning("refused admin action from non-member in admin chat of %s", village.code)
    await _record_refusal(ctx, ctx.services.village_ids.get(village.code), "admin_chat")
    text = _(
        "Sorry, the buttons and commands in this group are only for officials of Desa {village}."
    ).format(village=village.name)
    return [Reply(text)]


async def refuse_unknown_group(ctx: Ctx) -> list[Reply]:
    """Answer in a group that is no village's admin chat: Balai serves residents privately."""
    _ = admin_gettext(ctx)
    log.warning("refused action in a group that is no village's admin chat")
    await _record_refusal(ctx, None, "group", detail="chat is not an admin chat")
    text = _("Balai serves residents in a private chat. Please open a private chat with this bot.")
    return [Reply(text)]


async def _record_refusal(
    ctx: Ctx, village_id: int | None, record_type: str, detail: str | None = None
) -> None:
    await audit.record(
        ctx.session,
        at=ctx.now(),
        actor=actor(ctx),
        village_id=village_id,
        action=ctx.msg.choice.partition(":")[0] or ctx.msg.command or "message",
        record_type=record_type,
        record_id=None,
        outcome="refused",
        detail=detail,
    )


CAPABILITY = Capability(
    admin_choices={VERIFY: verify_citizen},
    admin_commands={"bantuan": admin_help, "help": admin_help, "start": admin_help},
)
