"""What Pengaduan contributes to the catalogue: a report and "Laporan saya", the report
flow and the reporter's own flows, the complaint desk with its follow-up timer, the export
and the buttons of the reporter's side."""

from __future__ import annotations

from flows.common.text import N_
from flows.complaints import desk, export, followup, reporter
from flows.complaints.categories import CATEGORY_WORDS
from flows.complaints.report import COMPLAINT_FLOW, my_reports, start_complaint
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


CAPABILITY = Capability(
    name="complaints",
    intents=(
        Intent(
            "complaint",
            start_complaint,
            keywords=(
                "lapor",
                "pengaduan",
                "aduan",
                "keluhan",
                "komplain",
                "melapor",
                "report",
                "complaint",
                *(word for words in CATEGORY_WORDS.values() for word in words),
            ),
            commands=(
                Command("lapor", N_("Report a problem in the village"), aliases=("pengaduan",)),
            ),
            menu_label=lambda ctx: ctx._("📢 Complaint"),
            rank=30,
        ),
        Intent(
            "my_reports",
            my_reports,
            keywords=("pengaduan saya", "laporan saya", "status laporan", "cek laporan"),
            commands=(Command("laporansaya", N_("My reports and their status")),),
            menu_label=lambda ctx: ctx._("📋 My reports"),
            rank=31,
            visible=_registered,
        ),
    ),
    flows=(COMPLAINT_FLOW, *reporter.RESIDENT_FLOWS, *followup.FLOWS),
    awaited=(reporter.answer_without_button,),
    desks=(desk.DESK,),
    exports=(export.EXPORT,),
    timers=(desk.followups_due,),
    choices={
        "case": reporter.reporter_case_action,
        "fu": followup.answer,
        "rate": followup.rate,
    },
)
