"""Layanan Surat: the letter case kind, its statuses (OpenSID's), and its admin-chat card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, age_text, unreachable, village_of, who_acted
from flows.cases.lifecycle import CaseKind
from flows.common.formatting import masked_nik, rt_rw, village_date, village_time
from flows.common.letter_types import FieldType, LetterField, LetterType, Requirement
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.context import Ctx, Services
from flows.engine.types import Button, ButtonRows, Expect, Media, MediaKind, Reply
from flows.letters.fields import shown
from storage.models import Case, Citizen

INCOMPLETE, REVIEW, SIGNING, READY, DONE, REJECTED, CANCELLED = (
    "incomplete",
    "review",
    "signing",
    "ready",
    "done",
    "rejected",
    "cancelled",
)
LETTER = CaseKind(
    name="letter",
    prefix="SRT",
    labels={
        INCOMPLETE: N_("Incomplete"),
        REVIEW: N_("Under review"),
        SIGNING: N_("Awaiting signature"),
        READY: N_("Ready for pickup"),
        DONE: N_("Completed"),
        REJECTED: N_("Rejected"),
        CANCELLED: N_("Cancelled"),
    },
    transitions={
        REVIEW: frozenset({SIGNING, INCOMPLETE, REJECTED, CANCELLED}),
        INCOMPLETE: frozenset({REVIEW, REJECTED, CANCELLED}),
        SIGNING: frozenset({READY, DONE}),
        READY: frozenset({DONE}),
    },
    open_statuses=frozenset({REVIEW, INCOMPLETE, SIGNING, READY}),
    initial=REVIEW,
)
# The applicant may withdraw a request until officials have decided on it.
CANCELLABLE = frozenset({REVIEW, INCOMPLETE})
APPROVE, FIX, REJECT, MARK_READY, SEND, PICKED = (
    "approve",
    "fix",
    "reject",
    "ready",
    "send",
    "picked",
)
ACTION_LABELS = {
    "created": N_("requested"),
    APPROVE: N_("approved"),
    FIX: N_("fix requested"),
    "fixed": N_("fixed by the applicant"),
    REJECT: N_("rejected"),
    MARK_READY: N_("ready for pickup"),
    SEND: N_("signed letter sent"),
    PICKED: N_("picked up"),
    "cancelled": N_("cancelled by the applicant"),
}
PICKUP, IN_CHAT = "pickup", "chat"


def letter_type_of(village: VillageConfig, data: Mapping[str, Any]) -> LetterType:
    """The type of a request (its stored `data`).

    A type since removed from the catalogue is rebuilt from what the request holds, so
    its answers and documents still show and can still be fixed.
    """
    code = data.get("type", "")
    found = next((t for t in village.letters if t.code == code), None)
    if found is not None:
        return found
    return LetterType(
        code=code,
        name=code,
        short=code[:20],
        description="",
        working_days=1,
        fields=tuple(LetterField(k, k, FieldType.TEXT) for k in data.get("values", {})),
        documents=tuple(Requirement(k, k) for k in data.get("documents", {})),
        purpose=bool(data.get("purpose")),
    )


def field_lines(letter: LetterType, data: dict[str, Any], locale: str) -> list[str]:
    """`label: value` for each field the request holds, in the catalogue's order; a NIK
    (of someone else, e.g. the deceased) masked as officials see every NIK."""
    values = data.get("values", {})
    return [
        f"{f.label}: {shown(f, values[f.code], locale, masked=True)}"
        for f in letter.fields
        if values.get(f.code)
    ]


def document_media(letter: LetterType, data: dict[str, Any]) -> tuple[Media, ...]:
    documents = data.get("documents", {})
    found = [documents[d.code] for d in letter.documents if d.code in documents]
    return tuple(Media(MediaKind(kind), ref) for kind, ref in found)


def flagged_labels(letter: LetterType, flags: list[str], _: Gettext) -> list[str]:
    """What an official asked to fix, as the applicant reads it."""
    labels = []
    for flag in flags:
        kind, _sep, code = flag.partition(":")
        if kind == "field" and (found := letter.field(code)):
            labels.append(found.label)
        elif kind == "doc" and (document := letter.document(code)):
            labels.append(_("photo of {document}").format(document=document.label))
        elif kind == "purpose":
            labels.append(_("Purpose"))
    return labels


async def render_card(
    services: Services, session: AsyncSession, case: Case, note: str = ""
) -> Reply:
    """The admin chat's card: the request, the applicant (NIK masked), the buttons."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = village_of(services, case)
    data = case.data
    letter = letter_type_of(village, data)
    lines = [
        f"📄 {case.code} · {letter.name}",
        _("Status: {status}").format(status=_(LETTER.labels[case.status])),
        "",
        *await _applicant_lines(_, session, case),
        "",
        *field_lines(letter, data, ADMIN_LOCALE),
    ]
    if data.get("purpose"):
        lines.append(_("Purpose: {purpose}").format(purpose=data["purpose"]))
    documents = [d.label for d in letter.documents if d.code in data.get("documents", {})]
    if documents:
        lines.append(
            _("Documents (above, in this order): {list}").format(list=", ".join(documents))
        )
    delivery = (
        _("📄 signed file in the chat")
        if data.get("delivery") == IN_CHAT
        else _("🏢 pick up at the office")
    )
    lines += [
        _("Delivery: {how}").format(how=delivery),
        _("Sent: {when} ({age} ago)").format(
            when=village_time(case.created_at, village),
            age=age_text(_, services.clock() - case.created_at),
        ),
    ]
    if case.due_at is not None:
        lines.append(_("Expected: {day}").format(day=village_date(case.due_at, village)))
    if case.status == INCOMPLETE and data.get("fix"):
        fix = data["fix"]
        lines.append(
            _("Waiting for the applicant to fix: {what}").format(
                what=", ".join(flagged_labels(letter, fix.get("flags", []), _))
            )
        )
    lines += await who_acted(_, session, case, village, ACTION_LABELS, N_("applicant"))
    if note:
        lines += ["", note]
    buttons = _card_buttons(_, case)
    return Reply(
        "\n".join(lines),
        buttons,
        Expect.CHOICE if buttons else Expect.NOTHING,
        replace_origin=True,
        media=document_media(letter, data),
    )


async def _applicant_lines(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
    applicant = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
    if applicant is None or applicant.full_name is None:
        return [_("Applicant: (personal data deleted at their request)")]
    lines = [
        _("Applicant: {name} · NIK {nik}").format(
            name=applicant.full_name, nik=masked_nik(applicant.nik or "")
        ),
        _("Address: {dusun}, RT/RW {rt_rw}").format(
            dusun=applicant.dusun or "-", rt_rw=rt_rw(applicant.rt or "-", applicant.rw or "-")
        ),
    ]
    if applicant.verified_at is None:
        lines.append(_("⚠️ The applicant's registration is not verified yet."))
    if await unreachable(session, applicant.id):
        lines.append(_("⚠️ The applicant has blocked the bot and cannot get messages."))
    return lines


def _card_buttons(_: Gettext, case: Case) -> ButtonRows:
    def button(label: str, action: str) -> Button:
        return Button(label, f"s:{action}:{case.id}:{case.version}")

    if case.status == REVIEW:
        return (
            (button(_("✅ Approve"), APPROVE), button(_("✏️ Ask for a fix"), FIX)),
            (button(_("⛔ Reject"), REJECT),),
        )
    if case.status == INCOMPLETE:
        return ((button(_("⛔ Reject"), REJECT),),)
    if case.status == SIGNING:
        return ((button(_("🏢 Ready for pickup"), MARK_READY), button(_("📄 Send letter"), SEND)),)
    if case.status == READY:
        return ((button(_("✅ Picked up"), PICKED), button(_("📄 Send letter"), SEND)),)
    return ()


async def applicant_view(ctx: Ctx, case: Case) -> Reply:
    """The request as its applicant sees it, with what they can do about it now."""
    village = village_of(ctx.services, case)
    data = case.data
    letter = letter_type_of(village, data)
    lines = [
        f"📄 {case.code} · {letter.name}",
        ctx._("Status: {status}").format(status=ctx._(LETTER.labels[case.status])),
        ctx._("Sent: {when}").format(when=village_time(case.created_at, village, ctx.locale)),
    ]
    if case.due_at is not None and case.status in LETTER.open_statuses:
        day = village_date(case.due_at, village, ctx.locale)
        lines.append(ctx._("Expected: {day}").format(day=day))
    if case.status == INCOMPLETE and data.get("fix"):
        what = ", ".join(flagged_labels(letter, data["fix"].get("flags", []), ctx._))
        lines += ["", ctx._("To fix: {what}").format(what=what)]
        lines.append(ctx._("Note from the village office: {note}").format(note=data["fix"]["note"]))
    buttons: list[tuple[Button, ...]] = []
    if case.status == INCOMPLETE:
        buttons.append((Button(ctx._("✏️ Fix now"), f"surat:fix:{case.id}"),))
    if case.status in CANCELLABLE:
        buttons.append((Button(ctx._("🗑️ Cancel it"), f"surat:cancel:{case.id}"),))
    buttons.append((Button(ctx._("📄 My letters"), "menu:my_letters"),))
    return Reply("\n".join(lines), tuple(buttons), Expect.CHOICE)
