"""/pengumuman in an admin chat: its recent announcements with their counts; approve or
refuse one awaiting approval, cancel one that has not started, pause, resume or stop one
being sent (or done while residents it waits for have not written). Cancel and stop ask
first. Every press is version-checked (the dispatcher honours the status) and audited; a
pause or stop takes back at once what the outbox has not begun to send. The approval
card's buttons land here too."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flows.announce import approval
from flows.announce.approval import (
    AWAITING,
    CANCELLED,
    DONE,
    PAUSED,
    PREFIX,
    SCHEDULED,
    SENDING,
    STATUS_LABELS,
    STOPPED,
    button,
)
from flows.announce.describe import audience_text, villages_of
from flows.announce.quiet import goes_at
from flows.announce.scope import reaches, scope_of
from flows.common.formatting import number, village_time
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Reply
from storage import announcements, broadcast
from storage.models import Announcement

RECENT = 5
CANCEL, PAUSE, RESUME, STOP = "cancel", "pause", "resume", "stop"
# action -> (statuses it applies to, the status it leads to, the button's label msgid)
ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    CANCEL: ((SCHEDULED, AWAITING), CANCELLED, N_("❌ Cancel {code}")),
    PAUSE: ((SENDING,), PAUSED, N_("⏸️ Pause {code}")),
    RESUME: ((PAUSED,), SENDING, N_("▶️ Resume {code}")),
    # Done, too, while residents it waits for (WhatsApp's window) have not written yet.
    STOP: ((SENDING, PAUSED, DONE), STOPPED, N_("⏹️ Stop {code}")),
}
# One tap of these is final: the official says yes to a question first. The confirming
# button's action is the action with SURE after it.
CONFIRMED = {
    CANCEL: (N_("Cancel {code}? It will not be sent."), N_("Yes, cancel")),
    STOP: (
        N_("Stop {code}? Residents who have not received it yet will not get it."),
        N_("Yes, stop"),
    ),
}
SURE = "!"
LIST = "list"
# The approval card's two buttons, offered in the listing too.
DECISIONS = ((approval.APPROVE, N_("✅ Approve {code}")), (approval.REJECT, N_("⛔ Refuse {code}")))
WAITING = ("pending", "queued", "held")
FAILED = ("failed", "expired")


def counts_line(ctx: Ctx, found: Counter[str]) -> str:
    _ = admin_gettext(ctx)

    def n(*statuses: str) -> str:
        return number(sum(found[s] for s in statuses), ADMIN_LOCALE)

    return _("sent {sent}, waiting {waiting}, failed {failed}, unreachable {unreachable}").format(
        sent=n("sent"), waiting=n(*WAITING), failed=n(*FAILED), unreachable=n("unreachable")
    )


def buttons_for(ctx: Ctx, announcement: Announcement, found: Counter[str]) -> list[Button]:
    _ = admin_gettext(ctx)
    status = announcement.status
    if status == SCHEDULED and announcement.started_at is not None:
        return []
    if status == DONE and not found["held"]:
        return []
    # One awaiting approval is decided from here as well as from its approval card, which
    # may be far up the chat.
    offered = list(DECISIONS) if status == AWAITING else []
    offered += [
        (action, label) for action, (statuses, _to, label) in ACTIONS.items() if status in statuses
    ]
    return [
        button(_(label).format(code=announcement.code), action, announcement)
        for action, label in offered
    ]


def waiting_for_morning(
    ctx: Ctx, announcement: Announcement, villages: list[VillageConfig]
) -> datetime | None:
    """When a scheduled Biasa one whose time falls in the quiet hours goes instead."""
    if announcement.status != SCHEDULED or not villages:
        return None
    return goes_at(villages, announcement.kind, max(announcement.send_at, ctx.now()))


async def listing(ctx: Ctx, note: str = "") -> list[Reply]:
    """/pengumuman: the chat's newest announcements, each with its status and counts."""
    _ = admin_gettext(ctx)
    found = await announcements.recent_for_chat(ctx.session, ctx.msg.chat, RECENT)
    if not found:
        text = _("No announcements yet. Type /umumkan to write one.")
        return [Reply(f"{note}\n\n{text}" if note else text)]
    lines = (
        [_("📢 Recent announcements:")] if not note else [note, "", _("📢 Recent announcements:")]
    )
    buttons: list[tuple[Button, ...]] = []
    for item in found:
        villages = villages_of(ctx, item)
        when = village_time(item.send_at, villages[0]) if villages else ""
        resting = waiting_for_morning(ctx, item, villages)
        if resting is not None:
            when = _("after the quiet hours: {time}").format(
                time=village_time(resting, villages[0])
            )
        status = _(STATUS_LABELS.get(item.status, item.status))
        lines += [
            "",
            f"{item.code} · {status} · {when}",
            audience_text(ctx, item),
        ]
        found_counts = await announcements.counts(ctx.session, item.id)
        lines.append(counts_line(ctx, found_counts))
        shown = buttons_for(ctx, item, found_counts)
        if shown:
            buttons.append(tuple(shown))
    expects = Expect.CHOICE if buttons else Expect.NOTHING
    return [Reply("\n".join(lines), tuple(buttons), expects)]


async def on_button(ctx: Ctx, value: str) -> list[Reply]:
    """An official pressed a button on an announcement (approval card or /pengumuman)."""
    _ = admin_gettext(ctx)
    action, _sep, rest = value.partition(":")
    raw_id, _sep, raw_version = rest.partition(":")
    if not (raw_id.isdigit() and raw_version.isdigit()):
        return [Reply(_("That button is no longer active."))]
    found = await announcements.by_id(ctx.session, int(raw_id))
    scope = scope_of(ctx)
    if (
        found is None
        or scope is None
        or found.admin_chat_id != ctx.msg.chat
        or not reaches(scope, found.village_ids, ctx.services.village_ids)
    ):
        return [Reply(_("This announcement is not valid in this group."))]
    version = int(raw_version)
    if action == LIST:
        return await listing(ctx)
    sure = action.endswith(SURE)
    action = action.removesuffix(SURE)
    if action in CONFIRMED and not sure:
        statuses = ACTIONS[action][0]
        if found.version != version or found.status not in statuses:
            return await _changed(ctx, found, action)
        question, yes = CONFIRMED[action]
        # The version the official saw, so "yes" is refused if it changed meanwhile.
        value = f"{PREFIX}:{action}{SURE}:{found.id}:{version}"
        buttons = (Button(_(yes), value), button(_("↩️ No"), LIST, found))
        return [Reply(_(question).format(code=found.code), (buttons,), Expect.CHOICE)]
    if action == approval.APPROVE:
        return await approval.approve(ctx, found, version)
    if action == approval.REJECT:
        if found.status != AWAITING or found.version != version:
            await approval.record(ctx, found, "refuse", "stale")
            return [await approval.card(ctx, found, _("Someone else has already decided on it."))]
        return approval.ask_reason(ctx, found, version)
    if action not in ACTIONS:
        return [Reply(_("That button is no longer active."))]
    statuses, to_status, _label = ACTIONS[action]
    extra = {"finished_at": ctx.now()} if to_status in (STOPPED, CANCELLED) else {}
    won = await announcements.set_status(
        ctx.session, found.id, version, to_status, from_statuses=statuses, **extra
    )
    await ctx.session.refresh(found)
    if not won:
        return await _changed(ctx, found, action)
    await approval.record(ctx, found, action, "done")
    await broadcast.halt(ctx.session, found)
    status = _(STATUS_LABELS.get(found.status, found.status))
    return await listing(ctx, _("{code}: {status}.").format(code=found.code, status=status))


async def _changed(ctx: Ctx, found: Announcement, action: str) -> list[Reply]:
    """The press came after someone changed the announcement: recorded, nothing done."""
    _ = admin_gettext(ctx)
    await approval.record(ctx, found, action, "stale")
    status = _(STATUS_LABELS.get(found.status, found.status))
    note = _("{code} has changed meanwhile (now: {status}); nothing was done.")
    return await listing(ctx, note.format(code=found.code, status=status))


__all__ = ["PREFIX", "listing", "on_button"]
