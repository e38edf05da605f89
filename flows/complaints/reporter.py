"""Pengaduan, the resident's side of an open case: view, answer, add, support."""

from __future__ import annotations

from flows.cases.card import to_card_thread, village_of
from flows.cases.commands import refresh_card
from flows.cases.lifecycle import (
    change_status,
    is_subscriber,
    status_label,
)
from flows.common.formatting import village_time
from flows.common.text import clean
from flows.common.validation import too_long
from flows.complaints.card import (
    AWAITING,
    COMPLAINT,
    IN_PROGRESS,
    ComplaintData,
)
from flows.complaints.categories import category_of
from flows.engine import form as form_engine
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.menu import main_menu
from flows.engine.question import Asked, OneQuestion
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Reply
from storage import cases
from storage.models import Case, Citizen


# --- the resident's side of a case ------------------------------------------------------
def case_heading(ctx: Ctx, case: Case) -> str:
    """The report named by code and subject: "📢 ADU-RFHH · Jalan & Jembatan"."""
    category = category_of(village_of(ctx.services, case), ComplaintData.of(case).category)
    return f"📢 {case.code} · {ctx._(category.name)}"


async def case_for_reporter(ctx: Ctx, case: Case) -> Reply:
    village = village_of(ctx.services, case)
    data = ComplaintData.of(case)
    lines = [
        case_heading(ctx, case),
        ctx._("Status: {status}").format(status=status_label(ctx, COMPLAINT, case.status)),
        ctx._("Sent: {when}").format(when=village_time(case.created_at, village, ctx.locale)),
        "",
        data.description or ctx._("🎤 voice note"),
    ]
    if data.resolution:
        lines += ["", ctx._("Note from the village office: {note}").format(note=data.resolution)]
    buttons: list[tuple[Button, ...]] = []
    if case.status == AWAITING and case.citizen_id == (ctx.citizen.id if ctx.citizen else None):
        buttons.append((Button(ctx._("✍️ Answer"), f"case:answer:{case.id}"),))
    if case.status in COMPLAINT.open_statuses:
        buttons.append((Button(ctx._("➕ Add information"), f"case:info:{case.id}"),))
    buttons.append((Button(ctx._("📋 My reports"), "menu:my_reports"),))
    return Reply("\n".join(lines), tuple(buttons), Expect.CHOICE)


async def reporter_case_action(ctx: Ctx, value: str) -> list[Reply]:
    """View a report, answer the office's question, or add information."""
    action, _s, case_id = value.partition(":")
    case = await cases.by_id(ctx.session, int(case_id)) if case_id.isdigit() else None
    citizen = ctx.citizen
    if case is None or citizen is None or not await is_subscriber(ctx, case, citizen.id):
        return [main_menu(ctx, ctx._("That report was not found among yours."))]
    if action in ("answer", "info") and case.status in COMPLAINT.open_statuses:
        # Only the reporter answers the office's question; supporters may add information.
        is_reporter = case.citizen_id == citizen.id
        purpose = (
            "answer" if action == "answer" and case.status == AWAITING and is_reporter else "info"
        )
        asked = Asked(case_id=case.id, purpose=purpose, heading=case_heading(ctx, case))
        return form_engine.start(ctx, CASE_REPLY_FLOW, asked)
    if action in ("answer", "info"):
        # An old button of a report closed since: say why nothing can be added.
        why = ctx._("Report {code} is already {status}, so nothing more can be added to it.")
        status = status_label(ctx, COMPLAINT, case.status)
        return [
            Reply(why.format(code=case.code, status=status)),
            await case_for_reporter(ctx, case),
        ]
    return [await case_for_reporter(ctx, case)]


# As long as the ✍️ Answer flow takes.
ANSWER_MAX = 1000


async def answer_without_button(ctx: Ctx) -> list[Reply] | None:
    """Officials asked the reporter a question: what they send next is the answer, even
    without ✍️ Answer pressed first (text, a photo or a voice note)."""
    citizen, msg = ctx.citizen, ctx.msg
    if citizen is None or msg.kind not in (Kind.TEXT, Kind.PHOTO, Kind.VOICE):
        return None
    text = clean(msg.text)
    if not text and not msg.media_id:
        return None
    asked = await cases.reported_by(ctx.session, citizen.id, COMPLAINT.name, [AWAITING])
    if not asked:
        return None
    case = asked[0]  # the newest question waits the most for an answer
    problem = too_long(text, ANSWER_MAX, ctx._, ctx.locale)
    if problem is not None:
        return [Reply(problem.message)]
    media = _reply_media(msg.kind.value, msg.media_id or "") if msg.media_id else ()
    await relay_from_resident(ctx, case, citizen, "answer", text, media)
    reply = ctx._("Thank you. Your answer about report {code} has been passed to the officials.")
    return [main_menu(ctx, reply.format(code=case.code))]


async def _relay_reply(ctx: Ctx, form: Asked) -> list[Reply]:
    """Pass the resident's answer or added information on to the case's card."""
    case = await cases.by_id(ctx.session, form.case_id)
    citizen = ctx.citizen
    if case is None or citizen is None or case.status not in COMPLAINT.open_statuses:
        return [main_menu(ctx, ctx._("That report is already closed."))]
    media = _reply_media(form.media_kind, form.media_id)
    await relay_from_resident(ctx, case, citizen, form.purpose, form.text, media)
    text = ctx._("Sent to the village office with report {code}.").format(code=case.code)
    return [main_menu(ctx, text)]


def _ask_reply(ctx: Ctx, form: Asked) -> str:
    if form.purpose == "answer":
        return ctx._("Type your answer (a photo or voice note is fine too).")
    return ctx._("What would you like to add? Text, a photo or a voice note.")


CASE_REPLY_FLOW = OneQuestion(
    "case_reply",
    title=lambda ctx: ctx._("📢 Complaint"),
    ask=_ask_reply,
    invalid=lambda ctx: ctx._("Please send text, a photo or a voice note."),
    done=_relay_reply,
    media=(Kind.PHOTO, Kind.VOICE),
    step_name="message",
)


def _reply_media(kind: str, media_id: str) -> tuple[Media, ...]:
    if not media_id:
        return ()
    return (Media(MediaKind.PHOTO if kind == "photo" else MediaKind.VOICE, media_id),)


async def relay_from_resident(
    ctx: Ctx, case: Case, citizen: Citizen, purpose: str, text: str, media: tuple[Media, ...]
) -> None:
    """Pass a resident's answer or extra information to the card's thread."""
    _ = admin_gettext(ctx)
    who = (
        _("the reporter")
        if case.confidential or case.citizen_id != citizen.id
        else citizen.full_name
    )
    if case.citizen_id != citizen.id and not case.confidential:
        who = _("a supporter")
    headline = {
        "answer": _("💬 Answer from {who} about {code}:"),
        "info": _("➕ More information from {who} about {code}:"),
        "reopen": _("🔄 {who} says {code} is not fixed yet:"),
    }[purpose].format(who=who, code=case.code)
    body = text or ("📷" if media and media[0].kind is MediaKind.PHOTO else "🎤")
    await cases.add_event(
        ctx.session,
        case.id,
        at=ctx.now(),
        actor="citizen",
        action=purpose,
        from_status=None,
        to_status=None,
        note=text or None,
    )
    if purpose == "answer" and case.status == AWAITING:
        await change_status(
            ctx,
            COMPLAINT,
            case,
            seen_version=case.version,
            to_status=IN_PROGRESS,
            actor="citizen",
            action="answered",
        )
        await refresh_card(ctx, case)
    key = f"relay:{case.id}:{ctx.now().timestamp()}:{ctx.identity.id}"
    to_card_thread(ctx, case, Reply(f"{headline}\n\n{body}", media=media), key)


async def add_supporter(ctx: Ctx, case: Case, citizen: Citizen) -> list[Reply] | None:
    """Support an open report instead of sending the same one again; None (nothing done)
    when it is no longer open, e.g. an official closed it since it was offered.

    Joining is conditional on the report being open when it is written, not when it was
    read: a supporter joining as an official closes it either joins first (and is told of
    the close) or is refused, never subscribed to a closed report unheard.
    """
    if not await cases.touch_if_in(ctx.session, case.id, COMPLAINT.open_statuses, ctx.now()):
        await ctx.session.refresh(case)
        return None
    added = await cases.subscribe(ctx.session, case.id, citizen.id, cases.SUPPORTER, ctx.now())
    if added:
        await cases.add_event(
            ctx.session,
            case.id,
            at=ctx.now(),
            actor="citizen",
            action="supported",
            from_status=None,
            to_status=None,
        )
        await refresh_card(ctx, case)
    text = ctx._(
        "Thank you. You now support report {code}; officials see that more residents are "
        "affected, and you will hear when it changes."
    ).format(code=case.code)
    return [main_menu(ctx, text)]


RESIDENT_FLOWS = (CASE_REPLY_FLOW,)
