"""A case's card in the village's admin chat: posting it, editing it, replying under it.

The card of every case kind goes through these helpers, so complaints and letters share
one way of keeping a card current (edits through the outbox, in order, never twice).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.common.formatting import village_time
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx, Services
from flows.engine.types import Outbound, Reply
from storage import cases, outbox, people
from storage.models import Case

Gettext = Callable[[str], str]


# A case's card and its edits share the outbox's `card` column, card_key(case).
CARD_PREFIX = outbox.CASE_CARD_PREFIX
# The topic of a case's messages to its residents (Outbound.topic).
TOPIC_PREFIX = "case:"


def card_key(case: Case) -> str:
    return f"{CARD_PREFIX}{case.id}"


def case_topic(case: Case) -> str:
    return f"{TOPIC_PREFIX}{case.id}"


async def held_line(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
    """A line when a message to the resident waits until they write again (their chat app
    takes no message from the office before that)."""
    if not await outbox.held_about(session, case_topic(case)):
        return []
    return [_("⏳ The resident will receive it when they write to Balai again.")]


def village_of(services: Services, case: Case) -> VillageConfig:
    village = services.village_by_id(case.village_id)
    if village is None:
        raise LookupError("case of an unconfigured village")
    return village


def age_text(_: Gettext, delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return _("under an hour")
    if hours < 48:
        return _("{n} h").format(n=hours)
    return _("{n} days").format(n=hours // 24)


async def who_acted(
    _: Gettext,
    session: AsyncSession,
    case: Case,
    village: VillageConfig,
    action_label: Callable[[Gettext, str], str],
) -> list[str]:
    """The card's last lines: who handles the case, and what happened last (by whom)."""
    lines = []
    if case.assignee:
        lines.append(_("Handled by: {name}").format(name=case.assignee))
    history = await cases.events(session, case.id)
    if history:
        last = history[-1]
        action = action_label(_, last.action)
        when = village_time(last.at, village)
        if last.actor == "citizen":
            # Residents' events say who in their label ("sent by the reporter", "another
            # resident supports it"): naming the reporter again would be wrong for a supporter.
            lines.append(_("Last: {action} ({when})").format(action=action, when=when))
        else:
            line = _("Last: {action} ({who}, {when})")
            lines.append(line.format(action=action, who=last.actor, when=when))
    return lines


async def unreachable(session: AsyncSession, citizen_id: int) -> bool:
    """True when the person blocked the bot on every chat app they use."""
    identities = await people.identities_of(session, citizen_id)
    return bool(identities) and all(i.unreachable_at is not None for i in identities)


def admin_outbound(
    ctx: Ctx,
    case: Case,
    reply: Reply,
    key: str,
    *,
    replaces_key: str | None = None,
    reply_to_key: str | None = None,
) -> Outbound:
    village = village_of(ctx.services, case)
    return Outbound(
        ctx.services.admin_channel,
        village.admin_chat_id,
        reply,
        dedupe_key=key,
        thread_id=village.admin_topic_id,
        replaces_key=replaces_key,
        reply_to_key=reply_to_key,
    )


def post_card(ctx: Ctx, case: Case, card: Reply) -> None:
    """Queue the first card of a new case for the village's admin chat."""
    ctx.send(admin_outbound(ctx, case, card, card_key(case)))


def replace_card(ctx: Ctx, case: Case, card: Reply) -> None:
    """Queue an edit of the case's card (or a new card if the first was never delivered)."""
    key = f"{card_key(case)}:v{case.version}:{ctx.now().timestamp()}"
    ctx.send(admin_outbound(ctx, case, card, key, replaces_key=card_key(case)))


def to_card_thread(ctx: Ctx, case: Case, reply: Reply, key: str) -> None:
    """Queue a message to the admin chat as a reply to the case's card."""
    ctx.send(admin_outbound(ctx, case, reply, key, reply_to_key=card_key(case)))
