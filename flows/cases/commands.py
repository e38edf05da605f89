"""Everything officials decide, side by side: the queue, a case's history, reminders, /status.

Each case kind is a `Desk` (flows/cases/desk.py); this module treats them all alike.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import CARD_PREFIX, TOPIC_PREFIX, age_text, card_key, village_of
from flows.cases.desk import Desk
from flows.common.formatting import village_time
from flows.common.text import N_, clean
from flows.common.villages import VillageConfig
from flows.engine import admin
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.catalog import AdminCommand, Capability, Command, Intent
from flows.engine.context import Ctx, Services
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Kind, Outbound, Reply, rows
from storage import cases, outbox
from storage.models import Case, CaseEvent

log = logging.getLogger(__name__)


def desks(services: Services) -> list[Desk]:
    """The case kinds' desks the capabilities contributed, in /antrian's order."""
    return [desk for desk in services.catalog.desks if isinstance(desk, Desk)]


def desk_of(services: Services, case: Case) -> Desk | None:
    return next((d for d in desks(services) if d.kind.name == case.kind), None)


async def card_of_topic(services: Services, session: AsyncSession, topic: str) -> list[Outbound]:
    """The redrawn card of the case a message was about (e.g. it began or stopped waiting
    for its resident to write again)."""
    suffix = topic.removeprefix(TOPIC_PREFIX)
    if not topic.startswith(TOPIC_PREFIX) or not suffix.isdigit():
        return []
    case = await cases.by_id(session, int(suffix))
    desk = desk_of(services, case) if case is not None else None
    if case is None or desk is None:
        return []
    village = village_of(services, case)
    card = await desk.render(services, session, case)
    # Told once per change (a hold, a delivery): a fresh key for each redraw.
    stamp = f"{services.clock().timestamp()}:{secrets.token_hex(4)}"
    return [
        Outbound(
            services.admin_channel,
            village.admin_chat_id,
            card,
            dedupe_key=f"{card_key(case)}:v{case.version}:held:{stamp}",
            replaces_key=card_key(case),
            thread_id=village.admin_topic_id,
        )
    ]


async def refresh_card(ctx: Ctx, case: Case) -> None:
    """Redraw the case's card in the admin chat (e.g. after its resident added to it)."""
    desk = desk_of(ctx.services, case)
    if desk is not None:
        await desk.refresh(ctx, case)


async def refresh_open_cards_of(ctx: Ctx, citizen_id: int) -> None:
    """Redraw the cards of the open cases a resident sent (e.g. once they are verified)."""
    for desk in desks(ctx.services):
        open_statuses = sorted(desk.kind.open_statuses)
        for case in await cases.reported_by(ctx.session, citizen_id, desk.kind.name, open_statuses):
            await desk.refresh(ctx, case)


# --- the admin chat's commands -----------------------------------------------------------
# The button under /antrian that opens one case: `kasus:<case id>`.
OPEN = "kasus"
# Buttons per kind under /antrian; older cases beyond them are opened with /kasus CODE.
QUEUE_BUTTONS = 30


async def queue(ctx: Ctx) -> list[Reply]:
    """/antrian: open cases of every kind, each kind oldest first, with age and status;
    a button per case (a row of codes per kind) opens its card, as /kasus does."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if village is None:
        return []
    sections: list[str] = []
    buttons: list[tuple[Button, ...]] = []
    for desk in desks(ctx.services):
        open_cases = await cases.in_status(
            ctx.session,
            sorted(desk.queue_statuses),
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
        opens = [Button(f"🔎 {c.code}", f"{OPEN}:{c.id}") for c in open_cases[:QUEUE_BUTTONS]]
        buttons += rows(*opens, per_row=3)
    if not buttons:
        return [Reply("\n\n".join(sections))]
    sections.append(_("Tap a code to see its card and history, or type /kasus CODE."))
    return [Reply("\n\n".join(sections), tuple(buttons), Expect.CHOICE)]


async def show_case(ctx: Ctx) -> list[Reply]:
    """/kasus CODE: one case's card and its history."""
    _ = admin_gettext(ctx)
    words = ctx.msg.text.split()
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    case = (
        await cases.by_code(ctx.session, ctx.services.village_ids[village.code], words[1])
        if village is not None and len(words) > 1
        else None
    )
    desk = desk_of(ctx.services, case) if case is not None else None
    if village is None:
        return []
    if len(words) < 2:
        text = _("Type /kasus followed by a case code of this village, e.g. /kasus ADU-7K3Q.")
        return [Reply(text)]
    if case is None or desk is None:
        text = _("No case code {code} in Desa {village}. Check the code, or see /antrian.")
        return [Reply(text.format(code=clean(words[1])[:20], village=village.name))]
    return await _case_view(ctx, village, desk, case)


async def open_from_queue(ctx: Ctx, value: str) -> list[Reply]:
    """A code's button under /antrian: the case's card and history, as /kasus shows them.

    The runner's gate has checked the presser belongs to this admin chat; the case must
    be of this chat's village.
    """
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    case = (
        await cases.by_id(ctx.session, int(value)) if value.isascii() and value.isdigit() else None
    )
    desk = desk_of(ctx.services, case) if case is not None else None
    if (
        village is None
        or case is None
        or desk is None
        or ctx.services.village_ids.get(village.code) != case.village_id
    ):
        return [Reply(_("This card is not valid in this group."))]
    return await _case_view(ctx, village, desk, case)


async def _case_view(ctx: Ctx, village: VillageConfig, desk: Desk, case: Case) -> list[Reply]:
    """The case's card (with the buttons its status allows), then its history."""
    _ = admin_gettext(ctx)
    history = [_("History of {code}:").format(code=case.code)]
    events = await cases.events(ctx.session, case.id)
    for i, event in enumerate(events):
        if i and _answer_then_move(events, i - 1):
            continue  # said on the answer's line
        # Residents' events name them in their label ("sent by the applicant"): no actor.
        actor = "" if event.actor == "citizen" else f"{event.actor} · "
        action = desk.action_label(_, event.action)
        line = f"• {village_time(event.at, village)} · {actor}{action}"
        moved = events[i + 1] if _answer_then_move(events, i) else event
        if moved.to_status and moved.to_status != moved.from_status:
            line += f" → {_(desk.kind.labels.get(moved.to_status, moved.to_status))}"
        if event.note:
            line += f": {event.note}"
        history.append(line)
    card = await desk.render(ctx.services, ctx.session, case)
    return [
        Reply(card.text, card.buttons, card.expects, media=card.media),
        Reply("\n".join(history)),
    ]


def _answer_then_move(events: list[CaseEvent], i: int) -> bool:
    """Whether events[i] is a resident's answer that moved the case on (the next event):
    one line in the history, "answer from the reporter → In progress: ..."."""
    answer, following = events[i], events[i + 1] if i + 1 < len(events) else None
    return (
        following is not None
        and answer.actor == following.actor == "citizen"
        and answer.action == "answer"
        and following.action == "answered"
    )


async def on_card_reply(ctx: Ctx) -> list[Reply] | None:
    """A photo or file sent as a reply to a case's card (e.g. the signed letter)."""
    msg = ctx.msg
    if msg.kind not in (Kind.PHOTO, Kind.DOCUMENT) or not msg.reply_to:
        return None
    card = await outbox.card_of_sent(
        ctx.session, ctx.services.admin_channel, msg.chat, msg.reply_to, CARD_PREFIX
    )
    case_id = card.removeprefix(CARD_PREFIX) if card else ""
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    desk = desk_of(ctx.services, case) if case is not None else None
    village = ctx.services.villages.by_admin_chat(msg.chat)
    if case is None or desk is None or village is None:
        return None
    if ctx.services.village_ids.get(village.code) != case.village_id:
        return None
    if not await ctx.services.officials.is_official(msg.chat, msg.sender):
        return await admin.refuse_non_official(ctx, village)
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
    citizen = ctx.citizen
    code = clean(words[1])[:20]
    # Codes repeat across villages: look in the resident's own.
    case = await cases.by_code(ctx.session, citizen.village_id, code) if citizen else None
    desk = desk_of(ctx.services, case) if case is not None else None
    if (
        case is None
        or desk is None
        or citizen is None
        or not await desk.may_see(ctx, case, citizen.id)
    ):
        text = ctx._("Nothing of yours has the code {code}. Check the code and try again.")
        return [main_menu(ctx, text.format(code=code))]
    return [await desk.citizen_view(ctx, case)]


# --- time-driven: reminders and escalation -----------------------------------------------
async def due_messages(services: Services, session: AsyncSession) -> list[Outbound]:
    """Reminders and escalations for cases nobody moved.

    A case waiting past its due time reminds the admin chat once, and is escalated once
    (naming the village head) when it has waited twice as long as it should.
    """
    messages = []
    for desk in desks(services):
        messages += await _reminders(services, session, desk)
    return messages


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
            purpose, stamps = "escalation", {"escalated_at": now, "reminded_at": now}
            unset = "escalated_at"
        elif case.reminded_at is None:
            text = _(desk.reminder).format(code=case.code, age=age_text(_, late))
            purpose, stamps = "reminder", {"reminded_at": now}
            unset = "reminded_at"
        else:
            continue
        # Only while the case is as read: one taken meanwhile, or reminded by another
        # process, needs no reminder.
        if not await cases.set_if_unchanged(
            session, case.id, case.version, stamps, still_empty=(unset,)
        ):
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
    name="cases",
    intents=(
        Intent(
            "status",
            status_command,
            commands=(Command("status", N_("Check a request or report by its code")),),
            visible=_registered,
        ),
    ),
    admin_commands=(
        AdminCommand(
            Command("antrian", N_("Open cases, oldest first; tap a code to open its card")), queue
        ),
        AdminCommand(Command("kasus", N_("One case and its history: /kasus CODE")), show_case),
    ),
    admin_choices={OPEN: open_from_queue},
    timers=(due_messages,),
    admin_reply=on_card_reply,
)
