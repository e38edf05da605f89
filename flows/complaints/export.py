"""Complaints as table rows for the village's own records (CSV export)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases.card import village_of
from flows.common.formatting import village_time
from flows.complaints.card import COMPLAINT, ComplaintData
from flows.complaints.categories import category_of
from flows.complaints.followup import rating_label
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.catalog import Export
from flows.engine.context import Services
from storage import cases
from storage.models import Case, Citizen

COLUMNS = (
    "code",
    "created",
    "closed",
    "category",
    "status",
    "dusun",
    "text",
    "location",
    "resolution",
    "rating",
    "rating_comment",
    "supporters",
    "reporter",
)


async def complaint_row(services: Services, session: AsyncSession, case: Case) -> dict[str, str]:
    """One complaint: no NIK or phone, and no name where the reporter asked."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = village_of(services, case)
    data = ComplaintData.of(case)
    reporter = (
        ""
        if case.confidential or case.citizen_id is None
        else ((await session.get(Citizen, case.citizen_id) or Citizen()).full_name or "")
    )
    location = f"{data.latitude},{data.longitude}" if data.latitude is not None else data.landmark
    return {
        "code": case.code,
        "created": village_time(case.created_at, village),
        "closed": village_time(case.closed_at, village) if case.closed_at else "",
        "category": _(category_of(village, data.category).name),
        "status": _(COMPLAINT.labels.get(case.status, case.status)),
        "dusun": data.dusun,
        "text": data.description or _("🎤 voice note"),
        "location": location,
        "resolution": data.resolution or "",
        "rating": rating_label(_, data.rating),
        "rating_comment": data.rating_comment or "",
        "supporters": str(len(await cases.subscribers(session, case.id))),
        "reporter": reporter,
    }


EXPORT = Export("complaints", "complaint", COMPLAINT.name, COLUMNS, complaint_row)
