"""Pengaduan, the officials' side: the case card, its buttons, notes, queue and relays.

Card buttons carry `c:<action>:<case id>:<version shown>`; the version is checked again
when the action lands, so a stale card or a second official's press changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases import (
    N_,
    CaseKind,
    Refused,
    change_status,
    notify_subscribers,
    record_official,
    status_label,
)
from flows.complaint_categories import category_of
from flows.context import Ctx, Services
from flows.engine import Answer, Finished, FormFlow, Question, Reask, Step
from flows.formatting import masked_phone, village_time
from flows.menu import main_menu
from flows.officials import admin_gettext
from flows.text import clean
from flows.types import Button, ButtonRows, Expect, Kind, Media, MediaKind, Outbound, Reply
from flows.validation import Invalid
from flows.villages import VillageConfig
from storage import cases, people
from storage.models import Case, Citizen

Gettext = Callable[[str], str]

NEW, IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE = (
    "new",
    "in_progress",
    "awaiting_reporter",
    "done",
    "rejected",
    "duplicate",
)
COMPLAINT = CaseKind(
    name="complaint",
    prefix="ADU",
    labels={
        NEW: N_("New"),
        IN_PROGRESS: N_("In progress"),
        AWAITING: N_("Waiting for the reporter"),
        DONE: N_("Done"),
        REJECTED: N_("Rejected"),
        DUPLICATE: N_("Duplicate"),
    },
    transitions={
        NEW: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        IN_PROGRESS: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        AWAITING: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        DONE: frozenset({IN_PROGRESS}),  # the reporter says it is not fixed after all
    },
    open_statuses=frozenset({NEW, IN_PROGRESS, AWAITING}),
    initial=NEW,
)
TAKE, ASK, RESOLVE, REJECT, DUP = "take", "ask", "done", "reject", "dup"
# How the case history reads to officials.
ACTION_LABELS = {
    "created": N_("sent by the reporter"),
    TAKE: N_("taken"),
    ASK: N_("question sent to the reporter"),
    "answered": N_("the reporter answered"),
    "answer": N_("answer from the reporter"),
    "info": N_("information added"),
    "supported": N_("another resident supports it"),
    RESOLVE: N_("marked done"),
    REJECT: N_("rejected"),
    DUP: N_("marked as a duplicate"),
    "reopened": N_("reopened by the reporter"),
    "reopen": N_("reporter says it is not fixed"),
    "followup_yes": N_("reporter confirmed it is fixed"),
    "followup_no": N_("reporter says it is not fixed"),
    "followup_unknown": N_("reporter does not know if it is fixed"),
    "rated": N_("rated by the reporter"),
}


def action_label(_: Callable[[str], str], action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def card_key(case: Case) -> str:
    return f"case-card:{case.id}"


def village_of(services: Services, case: Case) -> VillageConfig:
    for code, village_id in services.village_ids.items():
        if village_id == case.village_id:
            village = services.villages.by_code(code)
            if village is not None:
                return village
    raise LookupError("case of an unconfigured village")


# --- the card -----------------------------------------------------------------------------
async def render_card(
    services: Services, session: AsyncSession, case: Case, note: str = ""
) -> Reply:
    """The admin chat's card: what, where, how old, who (unless confidential), buttons."""
    _ = services.translations("id").gettext
    village = village_of(services, case)
    data = case.data
    category = category_of(village, data.get("category", ""))
    place = data.get("landmark") or _("📍 map pin (above)")
    if data.get("dusun"):
        place = f"{place} · {data['dusun']}"
    lines = [
        f"📢 {case.code} · {_(category.name)}",
        _("Status: {status}").format(status=_(COMPLAINT.labels[case.status])),
        "",
        data.get("description") or _("🎤 Voice note (above)"),
        "",
        _("Where: {place}").format(place=place),
        _("Sent: {when} ({age} ago)").format(
            when=village_time(case.created_at, village),
            age=_age(_, services.clock() - case.created_at),
        ),
        _("Residents reporting this: {n}").format(n=len(await cases.subscribers(session, case.id))),
    ]
    lines += await _reporter_lines(_, session, case)
    if case.assignee:
        lines.append(_("Handled by: {name}").format(name=case.assignee))
    history = await cases.events(session, case.id)
    if history:
        last = history[-1]
        who = _("reporter") if last.actor == "citizen" else last.actor
        lines.append(
            _("Last: {action} ({who}, {when})").format(
                action=action_label(_, last.action), who=who, when=village_time(last.at, village)
            )
        )
    if note:
        lines += ["", note]
    buttons = _card_buttons(_, case)
    return Reply(
        "\n".join(lines),
        buttons,
        Expect.CHOICE if buttons else Expect.NOTHING,
        replace_origin=True,
        media=_media(data),
    )


async def _reporter_lines(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
    lines = []
    if case.confidential:
        lines.append(_("🔒 The reporter asked to stay anonymous."))
    else:
        reporter = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
        if reporter is not None and reporter.full_name:
            lines.append(
                _("Reporter: {name}, {phone}").format(
                    name=reporter.full_name, phone=masked_phone(reporter.phone or "")
                )
            )
    if case.citizen_id is not None:
        identities = await people.identities_of(session, case.citizen_id)
        if identities and all(i.unreachable_at is not None for i in identities):
            lines.append(_("⚠️ The reporter has blocked the bot and cannot get messages."))
    return lines


def _media(data: dict[str, object]) -> tuple[Media, ...]:
    photos = data.get("photos") or []
    media = tuple(Media(MediaKind.PHOTO, str(p)) for p in photos)  # type: ignore[attr-defined]
    if data.get("voice"):
        media += (Media(MediaKind.VOICE, str(data["voice"])),)
    if data.get("latitude") is not None:
        media += (Media(MediaKind.LOCATION, f"{data['latitude']},{data['longitude']}"),)
    return media


def _card_buttons(_: Gettext, case: Case) -> ButtonRows:
    if case.status not in COMPLAINT.open_statuses:
        return ()

    def button(label: str, action: str) -> Button:
        return Button(label, f"c:{action}:{case.id}:{case.version}")

    return (
        (button(_("🛠️ Take"), TAKE), button(_("❓ Ask reporter"), ASK)),
        (
            button(_("✅ Done"), RESOLVE),
            button(_("⛔ Reject"), REJECT),
            button(_("🔁 Duplicate"), DUP),
        ),
    )


def _age(_: Gettext, delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return _("under an hour")
    if hours < 48:
        return _("{n} h").format(n=hours)
    return _("{n} days").format(n=hours // 24)


def _admin_outbound(ctx: Ctx, case: Case, reply: Reply, key: str, **extra: str) -> Outbound:
    village = village_of(ctx.services, case)
    return Outbound(
        ctx.services.admin_channel,
        village.admin_chat_id,
        reply,
        dedupe_key=key,
        thread_id=village.admin_topic_id,
        **extra,
    )


async def post_card(ctx: Ctx, case: Case, village: VillageConfig) -> None:
    """Queue the first card of a new case for the village's admin chat."""
    reply = await render_card(ctx.services, ctx.session, case)
    ctx.send(_admin_outbound(ctx, case, reply, card_key(case)))


async def refresh_card(ctx: Ctx, case: Case, note: str = "") -> None:
    """Queue an edit of the case's card (or a new card if the first was never delivered)."""
    reply = await render_card(ctx.services, ctx.session, case, note)
    key = f"{card_key(case)}:v{case.version}:{ctx.now().timestamp()}"
    ctx.send(_admin_outbound(ctx, case, reply, key, replaces_key=card_key(case)))


async def to_card_thread(ctx: Ctx, case: Case, reply: Reply, key: str) -> None:
    """Queue a message to the admin chat as a reply to the case's card."""
    ctx.send(_admin_outbound(ctx, case, reply, key, reply_to_key=card_key(case)))


# --- officials' actions -------------------------------------------------------------------
def _parse(value: str) -> tuple[str, int, int] | None:
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    if not (case_id.isdigit() and version.isdigit()):
        return None
    return action, int(case_id), int(version)


async def on_card_button(ctx: Ctx, value: str) -> list[Reply]:
    """An official pressed a button on a case card."""
    _ = admin_gettext(ctx)
    parsed = _parse(value)
    case = await cases.by_id(ctx.session, parsed[1]) if parsed else None
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if (
        parsed is None
        or case is None
        or village is None
        or (ctx.services.village_ids.get(village.code) != case.village_id)
        or case.kind != COMPLAINT.name
    ):
        return [Reply(_("This card is not valid in this group."))]
    action, _id, version = parsed
    if action == TAKE:
        return await take(ctx, case, version)
    if action in (ASK, RESOLVE, REJECT, DUP):
        if case.version != version or case.status not in COMPLAINT.open_statuses:
            await record_official(ctx, case, action, "stale")
            return await _refused(ctx, Refused(_stale_text(ctx, case), case))
        form = NoteForm(case_id=case.id, version=version, action=action, chat=ctx.msg.chat)
        return ctx.services.catalog.engine.start(ctx, NoteFlow.name, form)
    return [Reply(_("This card is not valid in this group."))]


def _stale_text(ctx: Ctx, case: Case) -> str:
    _ = admin_gettext(ctx)
    who = case.assignee or _("another official")
    return _("Already handled by {name}. Here is the case as it is now:").format(name=who)


async def _refused(ctx: Ctx, refused: Refused) -> list[Reply]:
    card = await render_card(ctx.services, ctx.session, refused.case)
    return [Reply(refused.message), card]


def _official_name(ctx: Ctx) -> str:
    return ctx.msg.sender_name or ctx.msg.sender


async def take(ctx: Ctx, case: Case, version: int) -> list[Reply]:
    name = _official_name(ctx)
    changed = await change_status(
        ctx,
        COMPLAINT,
        case,
        seen_version=version,
        to_status=IN_PROGRESS,
        actor=name,
        action=TAKE,
        values={"assignee": name},
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, TAKE, "stale")
        changed = Refused(_stale_text(ctx, case), changed.case)
        return await _refused(ctx, changed)
    await record_official(ctx, case, TAKE, "done")
    await _tell_status(ctx, case, note="")
    return [await render_card(ctx.services, ctx.session, case)]


async def _tell_status(ctx: Ctx, case: Case, note: str) -> None:
    """Tell reporter and supporters the new status, each in their language."""

    def compose(gettext: Gettext, locale: str) -> Reply:
        text = gettext("Report {code}: the status is now {status}.").format(
            code=case.code, status=gettext(COMPLAINT.labels[case.status])
        )
        if note:
            text += "\n\n" + gettext("Note from the village office: {note}").format(note=note)
        return Reply(text)

    await notify_subscribers(ctx, case, compose, key=f"status:{case.id}:{case.version}")


@dataclass
class NoteForm:
    case_id: int = 0
    version: int = 0
    action: str = ""
    chat: str = ""
    note: str = ""
    photo: str = ""


class NoteStep(Step[NoteForm]):
    """The official's text for an action: a question, a reason, a resolution, a code."""

    name = "note"

    def question(self, ctx: Ctx, form: NoteForm) -> Question:
        _ = admin_gettext(ctx)
        prompts = {
            ASK: _("Reply to this message with your question for the reporter."),
            RESOLVE: _(
                "Reply with what was done (a photo with a caption is welcome), or send - to "
                "close it without a note."
            ),
            REJECT: _("Reply with the reason for rejecting it. The reporter will read it."),
            DUP: _("Reply with the code of the report this one duplicates, e.g. ADU-7K3Q."),
        }
        cancel = _("To cancel, type /batal.")
        return Question(f"{prompts[form.action]}\n{cancel}", expects=Expect.TEXT)

    async def take(self, ctx: Ctx, form: NoteForm, answer: Answer) -> Invalid | None:
        _ = admin_gettext(ctx)
        text = clean(answer.text)[:1000]
        if form.action == RESOLVE and answer.kind is Kind.PHOTO and answer.media_id:
            form.photo, form.note = answer.media_id, text
            return None
        if answer.kind is not Kind.TEXT or not text:
            return Invalid(_("Please reply with text."))
        if form.action == RESOLVE and text == "-":
            text = ""
        if form.action == DUP:
            other = await cases.by_code(ctx.session, text.split()[0])
            if other is None or other.id == form.case_id or other.kind != COMPLAINT.name:
                return Invalid(_("No other report has the code {code}.").format(code=text[:20]))
            if (
                other.village_id
                != (await cases.by_id(ctx.session, form.case_id) or other).village_id
            ):
                return Invalid(_("No other report has the code {code}.").format(code=text[:20]))
            text = other.code
        form.note = text
        return None


class NoteFlow(FormFlow[NoteForm]):
    name = "case_note"
    form_type = NoteForm
    steps = (NoteStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return admin_gettext(ctx)("📢 Case")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [Reply(admin_gettext(ctx)("Cancelled. The case was not changed."))]

    async def finish(self, ctx: Ctx, form: NoteForm, key: str) -> Finished | Reask:
        case = await cases.by_id(ctx.session, form.case_id)
        if case is None:
            return Finished([Reply(admin_gettext(ctx)("That case no longer exists."))])
        return Finished(await apply_note(ctx, case, form))


async def apply_note(ctx: Ctx, case: Case, form: NoteForm) -> list[Reply]:
    _ = admin_gettext(ctx)
    name = _official_name(ctx)
    now = ctx.now()
    target = {ASK: AWAITING, RESOLVE: DONE, REJECT: REJECTED, DUP: DUPLICATE}[form.action]
    values: dict[str, object] = {}
    if case.assignee is None:
        values["assignee"] = name
    if target in (DONE, REJECTED, DUPLICATE):
        values["closed_at"] = now
    if target == DONE:
        village = village_of(ctx.services, case)
        values["followup_at"] = now + timedelta(days=village.followup_days)
        values["data"] = {**case.data, "resolution": form.note, "resolution_photo": form.photo}
    if target == DUPLICATE:
        other = await cases.by_code(ctx.session, form.note)
        values["related_case_id"] = other.id if other else None
    changed = await change_status(
        ctx,
        COMPLAINT,
        case,
        seen_version=form.version,
        to_status=target,
        actor=name,
        action=form.action,
        note=form.note or None,
        values=values,
    )
    if isinstance(changed, Refused):
        await record_official(ctx, case, form.action, "stale")
        return await _refused(ctx, Refused(_stale_text(ctx, case), changed.case))
    await record_official(ctx, case, form.action, "done")
    if form.action == ASK:
        await _relay_question(ctx, case, form.note)
    elif form.action == DUP:
        await _merge_into(ctx, case, form.note)
    else:
        await _tell_status(ctx, case, form.note)
        if form.photo:
            await notify_subscribers(
                ctx,
                case,
                lambda _g, _l: Reply("📷", media=(Media(MediaKind.PHOTO, form.photo),)),
                key=f"resolution-photo:{case.id}",
            )
    await refresh_card(ctx, case)
    done = {
        ASK: _("Question sent to the reporter of {code}."),
        RESOLVE: _("{code} is marked done. The reporter has been told."),
        REJECT: _("{code} is rejected. The reporter has been told the reason."),
        DUP: _("{code} is marked as a duplicate. Its reporters now follow the other report."),
    }[form.action]
    return [Reply(done.format(code=case.code))]


async def _relay_question(ctx: Ctx, case: Case, question: str) -> None:
    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext("A question from the village office about report {code}:\n\n{question}")
        button = Button(gettext("✍️ Answer"), f"case:answer:{case.id}")
        return Reply(text.format(code=case.code, question=question), ((button,),), Expect.CHOICE)

    await notify_subscribers(
        ctx, case, compose, reporter_only=True, key=f"question:{case.id}:{case.version}"
    )


async def _merge_into(ctx: Ctx, case: Case, other_code: str) -> None:
    other = await cases.by_code(ctx.session, other_code)
    if other is None:
        return
    for subscriber in await cases.subscribers(ctx.session, case.id):
        await cases.subscribe(
            ctx.session, other.id, subscriber.citizen_id, cases.SUPPORTER, ctx.now()
        )

    def compose(gettext: Gettext, _locale: str) -> Reply:
        text = gettext(
            "Report {code} is about the same problem as report {other}, so officials handle "
            "them together. You will now hear about {other}."
        )
        return Reply(text.format(code=case.code, other=other.code))

    await notify_subscribers(ctx, case, compose, key=f"duplicate:{case.id}")
    await refresh_card(ctx, other)


# --- the resident's side of a case ------------------------------------------------------
async def may_see(ctx: Ctx, case: Case, citizen_id: int) -> bool:
    """Only the reporter and supporters see a report."""
    return any(s.citizen_id == citizen_id for s in await cases.subscribers(ctx.session, case.id))


async def case_for_reporter(ctx: Ctx, case: Case) -> Reply:
    village = village_of(ctx.services, case)
    data = case.data
    lines = [
        f"📢 {case.code} · {ctx._(category_of(village, data.get('category', '')).name)}",
        ctx._("Status: {status}").format(status=status_label(ctx, COMPLAINT, case.status)),
        ctx._("Sent: {when}").format(when=village_time(case.created_at, village, ctx.locale)),
        "",
        data.get("description") or ctx._("🎤 voice note"),
    ]
    if data.get("resolution"):
        lines += ["", ctx._("Note from the village office: {note}").format(note=data["resolution"])]
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
    if case is None or citizen is None or not await may_see(ctx, case, citizen.id):
        return [main_menu(ctx, ctx._("That report was not found among yours."))]
    if action in ("answer", "info") and case.status in COMPLAINT.open_statuses:
        purpose = "answer" if action == "answer" and case.status == AWAITING else "info"
        form = ReplyForm(case_id=case.id, purpose=purpose)
        return ctx.services.catalog.engine.start(ctx, CaseReplyFlow.name, form)
    return [await case_for_reporter(ctx, case)]


@dataclass
class ReplyForm:
    case_id: int = 0
    purpose: str = "info"
    text: str = ""
    media_kind: str = ""
    media_id: str = ""


class ReplyStep(Step[ReplyForm]):
    name = "message"

    def question(self, ctx: Ctx, form: ReplyForm) -> Question:
        if form.purpose == "answer":
            return Question(ctx._("Type your answer (a photo or voice note is fine too)."))
        return Question(ctx._("What would you like to add? Text, a photo or a voice note."))

    async def take(self, ctx: Ctx, form: ReplyForm, answer: Answer) -> Invalid | None:
        if answer.kind in (Kind.PHOTO, Kind.VOICE) and answer.media_id:
            form.media_kind, form.media_id = answer.kind.value, answer.media_id
            form.text = clean(answer.text)[:1000]
            return None
        text = clean(answer.text)[:1000] if answer.kind is Kind.TEXT else ""
        if not text:
            return Invalid(ctx._("Please send text, a photo or a voice note."))
        form.text = text
        return None


class CaseReplyFlow(FormFlow[ReplyForm]):
    name = "case_reply"
    form_type = ReplyForm
    steps = (ReplyStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return ctx._("📢 Complaint")

    async def finish(self, ctx: Ctx, form: ReplyForm, key: str) -> Finished | Reask:
        case = await cases.by_id(ctx.session, form.case_id)
        citizen = ctx.citizen
        if case is None or citizen is None or case.status not in COMPLAINT.open_statuses:
            return Finished([main_menu(ctx, ctx._("That report is already closed."))])
        await relay_from_resident(
            ctx,
            case,
            citizen,
            form.purpose,
            form.text,
            _reply_media(form.media_kind, form.media_id),
        )
        text = ctx._("Sent to the village office with report {code}.").format(code=case.code)
        return Finished([main_menu(ctx, text)])


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
    await to_card_thread(ctx, case, Reply(f"{headline}\n\n{body}", media=media), key)


async def add_supporter(ctx: Ctx, case: Case, citizen: Citizen) -> list[Reply]:
    """Support an open report instead of sending the same one again."""
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


# --- the admin chat's commands -----------------------------------------------------------
async def queue(ctx: Ctx) -> list[Reply]:
    """/antrian: open complaints, oldest first, with age and status."""
    _ = admin_gettext(ctx)
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    if village is None:
        return []
    open_cases = await cases.in_status(
        ctx.session,
        sorted(COMPLAINT.open_statuses),
        village_id=ctx.services.village_ids[village.code],
        kinds=[COMPLAINT.name],
    )
    if not open_cases:
        return [Reply(_("No open complaints. 🎉"))]
    lines = [_("📋 Open complaints, oldest first:"), ""]
    for case in open_cases:
        category = category_of(village, case.data.get("category", ""))
        age = _age(_, ctx.now() - case.created_at)
        status = _(COMPLAINT.labels[case.status])
        lines.append(f"• {case.code} · {_(category.name)} · {status} · {age}")
    lines += ["", _("Type /kasus CODE to see one case with its history.")]
    return [Reply("\n".join(lines))]


async def show_case(ctx: Ctx) -> list[Reply]:
    """/kasus CODE: one case's card and its history."""
    _ = admin_gettext(ctx)
    words = ctx.msg.text.split()
    village = ctx.services.villages.by_admin_chat(ctx.msg.chat)
    case = await cases.by_code(ctx.session, words[1]) if len(words) > 1 else None
    if village is None or case is None or case.village_id != ctx.services.village_ids[village.code]:
        return [
            Reply(_("Type /kasus followed by a case code of this village, e.g. /kasus ADU-7K3Q."))
        ]
    history = [_("History of {code}:").format(code=case.code)]
    for event in await cases.events(ctx.session, case.id):
        actor = _("reporter") if event.actor == "citizen" else event.actor
        line = f"• {village_time(event.at, village)} · {actor} · {action_label(_, event.action)}"
        if event.to_status and event.to_status != event.from_status:
            line += f" → {_(COMPLAINT.labels.get(event.to_status, event.to_status))}"
        if event.note:
            line += f": {event.note}"
        history.append(line)
    card = await render_card(ctx.services, ctx.session, case)
    return [
        Reply(card.text, card.buttons, card.expects, media=card.media),
        Reply("\n".join(history)),
    ]


# --- time-driven: reminders, escalation, follow-up ----------------------------------------
async def due_messages(services: Services, session: AsyncSession) -> list[Outbound]:
    """Reminders and escalations for untouched complaints, and follow-up questions.

    Each case is reminded once when its category's response time passes with nobody
    taking it, and escalated once (naming the village head) at twice that time.
    """
    from flows.complaint_followup import question

    _ = services.translations("id").gettext
    now, messages = services.clock(), []
    for case in await cases.due(session, [NEW], now):
        village = village_of(services, case)
        late = now - case.created_at
        window = (case.due_at or now) - case.created_at
        if case.escalated_at is None and late >= 2 * window:
            text = _(
                "⏫ Escalation: complaint {code} has waited {age} and nobody has taken it. "
                "{head}, please make sure it is handled."
            ).format(code=case.code, age=_age(_, late), head=village.head_name or _("Kepala Desa"))
            case.escalated_at = case.reminded_at = now
            kind = "escalation"
        elif case.reminded_at is None:
            text = _(
                "⏰ Reminder: complaint {code} has waited {age}, past its response time. "
                "Tap 🛠️ Take on its card."
            ).format(code=case.code, age=_age(_, late))
            case.reminded_at = now
            kind = "reminder"
        else:
            continue
        messages.append(
            Outbound(
                services.admin_channel,
                village.admin_chat_id,
                Reply(text),
                dedupe_key=f"{kind}:{case.id}",
                reply_to_key=card_key(case),
                thread_id=village.admin_topic_id,
            )
        )
    for case in await cases.followups_due(session, DONE, now):
        case.followup_at = None
        for identity in await people.identities_of(session, case.citizen_id or 0):
            gettext = services.translations(identity.locale).gettext
            messages.append(
                Outbound(
                    identity.channel,
                    identity.external_id,
                    question(gettext, case),
                    dedupe_key=f"followup:{case.id}:{case.version}:{identity.id}",
                )
            )
    return messages


RESIDENT_FLOWS = (CaseReplyFlow(),)
ADMIN_FLOWS = (NoteFlow(),)
