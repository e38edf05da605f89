"""Info Desa: office hours, address, contacts and frequently asked questions."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.common.text import BUTTON_MAX, N_
from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask
from flows.engine.menu import main_menu
from flows.engine.places import VillageStep, village_not_found
from flows.engine.types import Button, Expect, Reply, rows


@dataclass
class InfoForm:
    village_code: str = ""
    village_suggestions: list[str] = field(default_factory=list)


class InfoFlow(FormFlow[InfoForm]):
    name = "info"
    form_type = InfoForm
    steps = (VillageStep[InfoForm](),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return ctx._("ℹ️ Village information")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx)]

    async def finish(self, ctx: Ctx, form: InfoForm, key: str) -> Finished | Reask:
        village = ctx.services.villages.by_code(form.village_code)
        if village is None:
            return Reask(VillageStep.name, village_not_found(ctx, []))
        return Finished([village_info(ctx, village)])


INFO_FLOW = InfoFlow()


def village_info(ctx: Ctx, village: VillageConfig) -> Reply:
    lines = [
        ctx._("ℹ️ Desa {village}, Kecamatan {kecamatan}, {kabupaten}").format(
            village=village.name, kecamatan=village.kecamatan, kabupaten=village.kabupaten
        ),
        "",
        ctx._("🕘 Office hours ({zone}):").format(zone=village.zone_abbreviation),
        *(f"• {h.days}: {h.hours}" for h in village.office_hours),
        "",
        ctx._("📍 Address: {address}").format(address=village.address),
        ctx._("📞 Office phone: {phone}").format(phone=village.phone),
    ]
    if village.contacts:
        lines += ["", ctx._("👥 Contacts:")]
        lines += [f"• {c.role}: {c.name} ({c.phone})" for c in village.contacts]
    labels = [f"❔ {q.question}" for q in village.faq]
    per_row = 1
    if village.faq:
        lines += ["", ctx._("Frequently asked questions: tap one to read the answer.")]
    if any(len(label) > BUTTON_MAX for label in labels):
        # Questions too long for a button (20 characters): listed by number, buttons numbered.
        lines += [f"{i}. {q.question}" for i, q in enumerate(village.faq, start=1)]
        labels, per_row = [f"❔ {i}" for i in range(1, len(labels) + 1)], 3
    faq = [Button(label, f"faq:{village.code}:{i}") for i, label in enumerate(labels)]
    buttons = (*rows(*faq, per_row=per_row), (Button(ctx._("🏠 Main menu"), "menu:menu"),))
    return Reply("\n".join(lines), buttons, Expect.CHOICE)


async def show_info(ctx: Ctx) -> list[Reply]:
    """Show the person's village information, asking which village when unknown."""
    village = ctx.village or ctx.services.villages.only()
    if village is not None:
        return [village_info(ctx, village)]
    return form_engine.start(ctx, INFO_FLOW)


async def show_faq_answer(ctx: Ctx, value: str) -> list[Reply]:
    """Show one FAQ answer."""
    code, _sep, index = value.rpartition(":")
    village = ctx.services.villages.by_code(code)
    if village is None or not index.isdigit() or int(index) >= len(village.faq):
        return await show_info(ctx)
    entry = village.faq[int(index)]
    buttons = (
        (
            Button(ctx._("ℹ️ Village information"), "menu:info"),
            Button(ctx._("🏠 Main menu"), "menu:menu"),
        ),
    )
    return [Reply(f"❔ {entry.question}\n\n{entry.answer}", buttons, Expect.CHOICE)]


CAPABILITY = Capability(
    name="info",
    intents=(
        Intent(
            "info",
            show_info,
            keywords=(
                "info desa",
                "informasi",
                "info",
                "jam buka",
                "jam kerja",
                "jam pelayanan",
                "jam kantor",
                "alamat kantor desa",
                "kontak desa",
                "nomor telepon desa",
                "kantor desa",
            ),
            commands=(Command("info", N_("Village office hours, address and contacts")),),
            menu_label=lambda ctx: ctx._("ℹ️ Village info"),
            rank=70,
        ),
    ),
    flows=(INFO_FLOW,),
    choices={"faq": show_faq_answer},
)
