"""An official's decision on a case, for every kind's desk: a press on a card checked
(village, kind, version, status) before the desk acts, the note asked for when the action
needs one, the status changed (race-safe, audited), and the refusal shown when someone
else was first or the card is old.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.cases.lifecycle import Refused, change_status, record_official
from flows.cases.note import NOTE_BUTTON, NoteForm
from flows.engine import form as form_engine
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.types import Reply
from storage import cases
from storage.models import Case

if TYPE_CHECKING:
    from flows.cases.desk import Desk


# --- a button press on a card -------------------------------------------------------------
def _parse(value: str) -> tuple[str, int, int] | None:
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    if action == NOTE_BUTTON:
        version = version.partition(":")[0]
    if not (case_id.isascii() and case_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    return action, int(case_id), int(version)


async def on_card_button(desk: Desk, ctx: Ctx, value: str) -> list[Reply]:
    """An official pressed a button on one of `desk`'s cards."""
    _ = admin_gettext(ctx)
    parsed = _parse(value)
    case = await cases.by_id(ctx.session, parsed[1]) if parsed else None
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if (
        parsed is None
        or case is None
        or village is None
        or ctx.services.village_ids.get(village.code) != case.village_id
        or case.kind != desk.kind.name
    ):
        return [Reply(_("This card is not valid in this group."))]
    code, _id, version = parsed
    if code == NOTE_BUTTON:  # a button of a note prompt nobody waits for any more
        return await refusal(ctx, desk, case, _("That button is no longer active."))
    action = desk.action(code)
    if action is None:
        # A button of an earlier version of Balai (an action since removed).
        await record_official(ctx, case, code, "stale")
        return await refusal(ctx, desk, case, _("That button is no longer active."))
    # Closed cases take no officials' actions (a complaint reopens only by its reporter).
    if case.version != version or case.status not in desk.kind.open_statuses:
        await record_official(ctx, case, code, "stale")
        return await refusal(ctx, desk, case, seen_version=version)
    if case.status not in action.shown_in:
        # The card never offers it now; an old card (or a forged press) still might.
        await record_official(ctx, case, code, "refused")
        note = _("{code} is {status} now, so {button} does not apply. Here it is now:")
        status = _(desk.kind.labels[case.status])
        return await refusal(
            ctx, desk, case, note.format(code=case.code, status=status, button=_(action.button))
        )
    return await desk.press(ctx, code, case, version)


def ask_note(ctx: Ctx, desk: Desk, case: Case, action: str, version: int) -> list[Reply]:
    choices = [[b.value, b.label] for b in desk.flag_options(ctx, case, action)]
    code, subject = desk.heading(admin_gettext(ctx), ctx.services, case)
    form = NoteForm(
        case_id=case.id,
        version=version,
        action=action,
        chat=ctx.msg.chat,
        code=code,
        subject=subject,
        choices=choices,
    )
    return form_engine.start(ctx, desk.note_flow, form)


def official_name(ctx: Ctx) -> str:
    return (ctx.msg.sender_name or ctx.msg.sender)[:100]


async def refusal(
    ctx: Ctx, desk: Desk, case: Case, note: str = "", seen_version: int | None = None
) -> list[Reply]:
    """Someone else got there first (or the card is old): say who, show the case now.

    One new message, the note above the current card with its buttons: the pressed
    message may be far up the chat (and already show this state, so editing it would
    show nothing). The card's photos and files stay with the card they came with.
    """
    _ = admin_gettext(ctx)
    note = note or await desk.refusal_note(_, ctx.session, case, seen_version)
    card = await desk.render(ctx.services, ctx.session, case)
    return [Reply(f"{note}\n\n{card.text}", card.buttons, card.expects)]


async def decide(
    ctx: Ctx,
    desk: Desk,
    case: Case,
    *,
    version: int,
    to_status: str,
    action: str,
    note: str | None = None,
    values: dict[str, object] | None = None,
) -> Case | list[Reply]:
    """Change the status for an official, audited; the refusal to show if it lost a race.

    The first official to act on a case becomes its handler unless `values` names one.
    """
    handler = {"assignee": official_name(ctx)} if case.assignee is None else {}
    changed = await change_status(
        ctx,
        desk.kind,
        case,
        seen_version=version,
        to_status=to_status,
        actor=official_name(ctx),
        action=action,
        note=note,
        values={**handler, **(values or {})},
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, action, "stale")
        return await refusal(ctx, desk, changed.case, seen_version=version)
    await record_official(ctx, case, action, "done")
    return changed
