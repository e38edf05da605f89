"""Complaint categories: the village's own from config, or Balai's default set."""

from __future__ import annotations

from flows.common.text import N_, fit_label
from flows.common.villages import ComplaintCategory, VillageConfig
from flows.engine.context import Ctx

DEFAULT_CATEGORIES = (
    ComplaintCategory("jalan", N_("Roads & Bridges"), 72),
    ComplaintCategory("air", N_("Clean Water"), 48),
    ComplaintCategory(
        "listrik", N_("Electricity & Street Lights"), 48, short=N_("Electricity & Lights")
    ),
    ComplaintCategory("sampah", N_("Cleanliness & Rubbish"), 72),
    ComplaintCategory(
        "keamanan",
        N_("Security & Public Order"),
        24,
        short=N_("Security"),
        notice=N_("In an emergency, call the police at 110 first; we will pass your report on."),
    ),
    ComplaintCategory(
        "kesehatan",
        N_("Health"),
        24,
        N_("In a medical emergency, call 119 or go to the nearest puskesmas first."),
    ),
    ComplaintCategory(
        "pelayanan", N_("Service by Village Officials"), 72, short=N_("Village Service")
    ),
    ComplaintCategory("lainnya", N_("Other"), 72),
)
# Words people use for each default category, typos and shorthand included.
CATEGORY_WORDS = {
    "jalan": ("jalan rusak", "jln rusak", "jalan berlubang", "jalan ambles", "jembatan", "aspal"),
    "air": ("air tidak mengalir", "air mati", "air keruh", "pdam", "sumur", "air bersih"),
    "listrik": (
        "lampu jalan mati",
        "lampu mati",
        "listrik padam",
        "listrik mati",
        "pju",
        "tiang listrik",
    ),
    "sampah": ("sampah", "got mampet", "selokan", "saluran air tersumbat", "bau busuk"),
    "keamanan": ("maling", "pencurian", "keamanan", "ronda", "perkelahian", "narkoba"),
    "kesehatan": ("sakit", "demam berdarah", "nyamuk", "posyandu", "puskesmas", "wabah"),
    "pelayanan": ("pelayanan", "pungli", "aparat", "perangkat desa", "petugas tidak ada"),
}


def categories(village: VillageConfig) -> tuple[ComplaintCategory, ...]:
    return village.complaint_categories or DEFAULT_CATEGORIES


def category_of(village: VillageConfig, code: str) -> ComplaintCategory:
    found = {c.code: c for c in categories(village)}
    return found.get(code) or categories(village)[-1]


def button_label(ctx: Ctx, category: ComplaintCategory) -> str:
    """The category's button: its short name when it has one, never over 20 characters."""
    return fit_label(ctx._(category.short or category.name))


def response_text(ctx: Ctx, hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        # Calendar days, unlike letters' working days: say so.
        return ctx.n_("{n} day, holidays included", "{n} days, holidays included", days).format(
            n=days
        )
    return ctx.n_("{n} hour", "{n} hours", hours).format(n=hours)
