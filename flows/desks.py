"""Everything officials decide, side by side: the queue, a case's history, reminders, /status.

Each case kind is a `Desk` (flows/case_desk.py); this module treats them all alike.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from flows import officials
from flows.case_card import CARD_PREFIX, age_text, card_key, village_of
from flows.case_desk import Desk, on_card_button
from flows.catalog import Capability, Intent
from flows.complaint_desk import DESK as COMPLAINT_DESK
from flows.complaint_desk import followups_due
from flows.context import Ctx, Services
from flows.formatting import village_time
from flows.letter_desk import DESK as LETTER_DESK
from flows.menu import main_menu
from flows.officials import ADMIN_LOCALE, admin_gettext
from flows.text import clean
from flows.types import Kind, Outbound, Reply
from storage import cases, outbox
from storage.models import Case

log = logging.getLogger(__name__)

# In the order /antrian lists them.
DESKS: tuple[Desk, ...] = (LETTER_DESK, COMPLAINT_DESK)
_BY_KIND = {desk.kind.name: desk for desk in DESKS}


def desk_of(case: Case) -> Desk | None:
    return _BY_KIND.get(case.kind)


# --- the admin chat's commands -----------------------------------------------------------
async def queue(ctx: Ctx) -> list[Reply]:
    """/antrian: open cases of every kind, each kind oldest first, with age and status."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if village is None:
        return []
    sections = []
    for desk in DESKS:
        open_cases = await cases.in_status(
            ctx.session,
            sorted(desk.kind.open_statuses),
            village_id=ctx.services.village_ids[village.code],
            kinds=[desk.kind.name],
        )
        if not open_cases:
            sections.append(_(desk.queue_empty))
            continue
        lines = [_(desk.queue_title)]
        for case in open_cases:
            age = age_text(_, ctx.now() - case.created_at)
            lines.append(f"• {desk.queue_line(_, village, case)} · {age}")
        sections.append("\n".join(lines))
    sections.append(_("Type /kasus CODE to see one case with its history."))
    return [Reply("\n\n".join(sections))]


async def show_case(ctx: Ctx) -> list[Reply]:
    """/kasus CODE: one case's card and its history."""
    _ = admin_gettext(ctx)
    words = ctx.msg.text.split()
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    case = await cases.by_code(ctx.session, words[1]) if len(words) > 1 else None
    desk = desk_of(case) if case is not None else None
    if (
        village is None
        or case is None
        or desk is None
        or case.village_id != ctx.services.village_ids[village.code]
    ):
        text = _("Type /kasus followed by a case code of this village, e.g. /kasus ADU-7K3Q.")
        return [Reply(text)]
    history = [_("History of {code}:").format(code=case.code)]
    for event in await cases.events(ctx.session, case.id):
        actor = _(desk.citizen_role) if event.actor == "citizen" else event.actor
        action = desk.action_label(_, event.action)
        line = f"• {village_time(event.at, village)} · {actor} · {action}"
        if event.to_status and event.to_status != event.from_status:
            line += f" → {_(desk.kind.labels.get(event.to_status, event.to_status))}"
        if event.note:
            line += f": {event.note}"
        history.append(line)
    card = await desk.render(ctx.services, ctx.session, case)
    return [
        Reply(card.text, card.buttons, card.expects, media=card.media),
        Reply("\n".join(history)),
    ]


async def on_card_reply(ctx: Ctx) -> list[Reply] | None:
    """A photo or file sent as a reply to a case's card (e.g. the signed letter)."""
    msg = ctx.msg
    if msg.kind not in (Kind.PHOTO, Kind.DOCUMENT) or not msg.reply_to:
        return None
    key = await outbox.key_of_sent(
        ctx.session, ctx.services.admin_channel, msg.chat, msg.reply_to, CARD_PREFIX
    )
    case_id = key.removeprefix(CARD_PREFIX).partition(":")[0] if key else ""
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    desk = desk_of(case) if case is not None else None
    village = ctx.services.villages.by_admin_chat(msg.chat)
    if case is None or desk is None or village is None:
        return None
    if ctx.services.village_ids.get(village.code) != case.village_id:
        return None
    if not await ctx.services.officials.is_official(msg.chat, msg.sender):
        return await officials.refuse_non_official(ctx, village)
    return await desk.on_reply(ctx, case)


# --- the citizen's /status ---------------------------------------------------------------
async def status_command(ctx: Ctx) -> list[Reply]:
    """One of the person's own cases by its code: /status ADU-7K3Q or /status SRT-4KXP."""
    words = ctx.msg.text.split()
    if len(words) < 2:
        text = ctx._(
            "Type /status followed by your code, e.g. /status SRT-4KXP, or tap 📄 My letters "
            "or 📋 My reports."
        )
        return [main_menu(ctx, text)]
    case = await cases.by_code(ctx.session, clean(words[1])[:20])
    desk = desk_of(case) if case is not None else None
    if (
        case is None
        or desk is None
        or ctx.citizen is None
        or not await desk.may_see(ctx, case, ctx.citizen.id)
    ):
        text = ctx._("Nothing of yours has the code {code}. Check the code and try again.")
        return [main_menu(ctx, text.format(code=clean(words[1])[:20]))]
    return [await desk.citizen_view(ctx, case)]


# --- time-driven: reminders and escalation -----------------------------------------------
async def due_messages(services: Services, session: AsyncSession) -> list[Outbound]:
    """Reminders and escalations for cases nobody moved, and complaints' follow-ups.

    A case waiting past its due time reminds the admin chat once, and is escalated once
    (naming the village head) when it has waited twice as long as it should.
    """
    messages = []
    for desk in DESKS:
        messages += await _reminders(services, session, desk)
    return messages + await followups_due(services, session)


async def _reminders(services: Services, session: AsyncSession, desk: Desk) -> list[Outbound]:
    _ = services.translations(ADMIN_LOCALE).gettext
    now, messages = services.clock(), []
    for case in await cases.due(session, sorted(desk.waiting), now, kind=desk.kind.name):
        try:
            village = village_of(services, case)
        except LookupError:
            log.warning("case %s belongs to a village no longer in the config", case.id)
            continue
        late = now - case.created_at
        window = (case.due_at or now) - case.created_at
        if case.escalated_at is None and late >= 2 * window:
            text = _(desk.escalation).format(
                code=case.code,
                age=age_text(_, late),
                head=village.head_name or _("the village head"),
            )
            case.escalated_at = case.reminded_at = now
            purpose = "escalation"
        elif case.reminded_at is None:
            text = _(desk.reminder).format(code=case.code, age=age_text(_, late))
            case.reminded_at = now
            purpose = "reminder"
        else:
            continue
        messages.append(
            Outbound(
                services.admin_channel,
                village.admin_chat_id,
                Reply(text),
                dedupe_key=f"{purpose}:{case.id}",
                reply_to_key=card_key(case),
                thread_id=village.admin_topic_id,
            )
        )
    return messages


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


CAPABILITY = Capability(
    intents=(Intent("status", status_command, commands=("status",), visible=_registered),),
    admin_choices={desk.prefix: partial(on_card_button, desk) for desk in DESKS},
    admin_commands={"antrian": queue, "kasus": show_case},
    admin_reply=on_card_reply,
)
