"""Layanan Surat: the letter case kind, its statuses (OpenSID's), its typed data, and the
lines its card and the applicant's view are made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, unreachable, village_of
from flows.cases.data import CaseData
from flows.cases.lifecycle import CaseKind
from flows.common.formatting import masked_nik, rt_rw, village_date, village_time
from flows.common.letter_types import FieldType, LetterField, LetterType, Requirement
from flows.common.text import N_, in_sentence
from flows.common.villages import VillageConfig
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Media, MediaKind, Reply
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
# How the history reads for what the applicant does (officials' actions: the desk).
APPLICANT_EVENTS = {
    "created": N_("sent by the applicant"),
    "fixed": N_("fixed by the applicant"),
    "cancelled": N_("cancelled by the applicant"),
}
PICKUP, IN_CHAT = "pickup", "chat"


class Fix(TypedDict):
    """What officials asked to fix: flags like "field:<code>", "doc:<code>", "purpose"."""

    flags: list[str]
    note: str


class Signed(TypedDict):
    """The signed letter officials sent: a media kind and file reference, their note."""

    kind: str
    ref: str
    note: str


@dataclass
class LetterData(CaseData):
    """What a letter request stores in `Case.data`."""

    type: str = ""
    # field code -> the answer as typed (normalised)
    values: dict[str, str] = field(default_factory=dict)
    # document code -> [media kind, file reference]
    documents: dict[str, list[str]] = field(default_factory=dict)
    purpose: str = ""
    delivery: str = PICKUP
    fix: Fix | None = None
    signed: Signed | None = None


def letter_type_of(village: VillageConfig, data: LetterData) -> LetterType:
    """The type of a request.

    A type since removed from the catalogue is rebuilt from what the request holds, so
    its answers and documents still show and can still be fixed.
    """
    found = next((t for t in village.letters if t.code == data.type), None)
    if found is not None:
        return found
    return LetterType(
        code=data.type,
        name=data.type,
        short=data.type[:20],
        description="",
        working_days=1,
        fields=tuple(LetterField(k, k, FieldType.TEXT) for k in data.values),
        documents=tuple(Requirement(k, k) for k in data.documents),
        purpose=bool(data.purpose),
    )


def field_lines(letter: LetterType, data: LetterData, locale: str) -> list[str]:
    """`label: value` for each field the request holds, in the catalogue's order; a NIK
    (of someone else, e.g. the deceased) masked as officials see every NIK."""
    return [
        f"{f.label}: {shown(f, data.values[f.code], locale, masked=True)}"
        for f in letter.fields
        if data.values.get(f.code)
    ]


def document_media(letter: LetterType, documents: dict[str, list[str]]) -> tuple[Media, ...]:
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
    return [in_sentence(label) for label in labels]  # read inside a sentence


def letter_body(_: Gettext, letter: LetterType, data: LetterData) -> list[str]:
    """The request itself on the card: its fields, purpose, documents, delivery."""
    lines = ["", *field_lines(letter, data, ADMIN_LOCALE)]
    if data.purpose:
        lines.append(_("Purpose: {purpose}").format(purpose=data.purpose))
    documents = [d.label for d in letter.documents if d.code in data.documents]
    if documents:
        lines.append(
            _("Documents (above, in this order): {list}").format(list=", ".join(documents))
        )
    delivery = (
        _("📄 signed file in the chat")
        if data.delivery == IN_CHAT
        else _("🏢 pick up at the office")
    )
    lines.append(_("Delivery: {how}").format(how=delivery))
    return lines


async def applicant_lines(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
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


async def applicant_view(ctx: Ctx, case: Case) -> Reply:
    """The request as its applicant sees it, with what they can do about it now."""
    village = village_of(ctx.services, case)
    data = LetterData.of(case)
    letter = letter_type_of(village, data)
    lines = [
        f"📄 {case.code} · {letter.name}",
        ctx._("Status: {status}").format(status=ctx._(LETTER.labels[case.status])),
        ctx._("Sent: {when}").format(when=village_time(case.created_at, village, ctx.locale)),
    ]
    if case.due_at is not None and case.status in LETTER.open_statuses:
        day = village_date(case.due_at, village, ctx.locale)
        lines.append(ctx._("Expected: {day}").format(day=day))
    if case.status == INCOMPLETE and data.fix:
        what = ", ".join(flagged_labels(letter, data.fix["flags"], ctx._))
        lines += ["", ctx._("To fix: {what}").format(what=what)]
        lines.append(ctx._("Note from the village office: {note}").format(note=data.fix["note"]))
    buttons: list[tuple[Button, ...]] = []
    if case.status == INCOMPLETE:
        buttons.append((Button(ctx._("✏️ Fix now"), f"surat:fix:{case.id}"),))
    if case.status in CANCELLABLE:
        buttons.append((Button(ctx._("🗑️ Cancel it"), f"surat:cancel:{case.id}"),))
    buttons.append((Button(ctx._("📄 My letters"), "menu:my_letters"),))
    return Reply("\n".join(lines), tuple(buttons), Expect.CHOICE)
