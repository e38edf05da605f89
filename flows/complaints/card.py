"""Pengaduan: the complaint case kind, its typed data, and the lines its card is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import Gettext, unreachable
from flows.cases.data import CaseData
from flows.cases.lifecycle import CaseKind
from flows.common.formatting import masked_phone
from flows.common.text import N_
from flows.engine.types import Media, MediaKind
from storage import cases
from storage.models import Case, Citizen

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
# How the history reads for what residents do (officials' actions: the desk).
RESIDENT_EVENTS = {
    "created": N_("sent by the reporter"),
    "answered": N_("the reporter answered"),
    "answer": N_("answer from the reporter"),
    "info": N_("a resident added information"),
    "supported": N_("another resident supports it"),
    "reopened": N_("reopened by the reporter"),
    "reopen": N_("reporter says it is not fixed"),
    "followup_yes": N_("reporter confirmed it is fixed"),
    "followup_no": N_("reporter says it is not fixed"),
    "followup_unknown": N_("reporter does not know if it is fixed"),
    "rated": N_("rated by the reporter"),
}


@dataclass
class ComplaintData(CaseData):
    """What a report stores in `Case.data`."""

    category: str = ""
    # Empty when the report is a voice note.
    description: str = ""
    voice: str | None = None
    photos: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    landmark: str = ""
    dusun: str = ""
    # What officials wrote (and showed) when they marked it done.
    resolution: str | None = None
    resolution_photo: str | None = None
    # The reporter's 1-4 rating after the follow-up, and their comment.
    rating: int | None = None
    rating_comment: str | None = None

    def place(self, _: Gettext) -> str:
        where = self.landmark or _("📍 map pin (above)")
        return f"{where} · {self.dusun}" if self.dusun else where


# --- the card -----------------------------------------------------------------------------
def complaint_body(_: Gettext, data: ComplaintData) -> list[str]:
    """The report itself on the card: what and where."""
    return [
        data.description or _("🎤 Voice note (above)"),
        "",
        _("Where: {place}").format(place=data.place(_)),
    ]


async def reporter_lines(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
    """How many report it, and who (unless the reporter asked to stay anonymous)."""
    count = len(await cases.subscribers(session, case.id))
    return [
        _("Residents reporting this: {n}").format(n=count),
        *await _reporter_lines(_, session, case),
    ]


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
    if case.citizen_id is not None and await unreachable(session, case.citizen_id):
        lines.append(_("⚠️ The reporter has blocked the bot and cannot get messages."))
    return lines


def complaint_media(data: ComplaintData) -> tuple[Media, ...]:
    """The report's photos, voice note and map pin, sent with its card."""
    media = tuple(Media(MediaKind.PHOTO, p) for p in data.photos)
    if data.voice:
        media += (Media(MediaKind.VOICE, data.voice),)
    if data.latitude is not None:
        media += (Media(MediaKind.LOCATION, f"{data.latitude},{data.longitude}"),)
    return media
