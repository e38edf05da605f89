"""Letter requests as table rows for the village's own records (CSV export)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import village_of
from flows.common.formatting import masked_nik, rt_rw, village_date, village_time
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.catalog import Export
from flows.engine.context import Services
from flows.letters.card import (
    APPROVE,
    FIX,
    IN_CHAT,
    LETTER,
    MARK_READY,
    PICKED,
    REJECT,
    SEND,
    LetterData,
    letter_type_of,
)
from storage import cases
from storage.models import Case, Citizen

# Decision columns: when each first happened, from the case history.
DECISIONS = {
    "approved": APPROVE,
    "fix_requested": FIX,
    "rejected": REJECT,
    "ready": MARK_READY,
    "letter_sent": SEND,
    "picked_up": PICKED,
    "cancelled": "cancelled",
}
COLUMNS = (
    "code",
    "type",
    "created",
    "expected",
    "status",
    "applicant",
    "nik",
    "dusun",
    "rt_rw",
    "purpose",
    "delivery",
    *DECISIONS,
    "closed",
    "handled_by",
)


async def letter_row(services: Services, session: AsyncSession, case: Case) -> dict[str, str]:
    """One letter request; the NIK masked as on the officials' cards."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = village_of(services, case)
    applicant = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
    applicant = applicant or Citizen()
    first: dict[str, datetime] = {}
    for event in await cases.events(session, case.id):
        first.setdefault(event.action, event.at)
    data = LetterData.of(case)
    return {
        "code": case.code,
        "type": letter_type_of(village, data).name,
        "created": village_time(case.created_at, village),
        "expected": village_date(case.due_at, village) if case.due_at else "",
        "status": _(LETTER.labels.get(case.status, case.status)),
        "applicant": applicant.full_name or "",
        "nik": masked_nik(applicant.nik) if applicant.nik else "",
        "dusun": applicant.dusun or "",
        "rt_rw": rt_rw(applicant.rt, applicant.rw) if applicant.rt and applicant.rw else "",
        "purpose": data.purpose,
        "delivery": _("signed file in the chat")
        if data.delivery == IN_CHAT
        else _("pick up at the office"),
        **{
            column: village_time(first[action], village) if action in first else ""
            for column, action in DECISIONS.items()
        },
        "closed": village_time(case.closed_at, village) if case.closed_at else "",
        "handled_by": case.assignee or "",
    }


EXPORT = Export("letters", "letter request", LETTER.name, COLUMNS, letter_row)
