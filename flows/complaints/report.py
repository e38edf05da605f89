"""Pengaduan, the resident's side: category -> what happened -> photos -> where -> send;
also "Laporan saya". The questions themselves are in `report_steps.py`.

Officials' side lives in `desk.py`. Diagram: complaints.mmd beside this file.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flows.cases.card import post_card
from flows.cases.lifecycle import open_case
from flows.cases.mine import my_cases
from flows.common.text import clean, fold
from flows.complaints import card, desk
from flows.complaints.categories import category_of, response_text
from flows.complaints.report_steps import (
    DESCRIPTION_MIN,
    CategoryStep,
    ComplaintForm,
    DescriptionStep,
    DusunStep,
    LocationStep,
    PhotosStep,
    SimilarStep,
    guess_category,
)
from flows.engine import form as form_engine
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Button, Kind, Reply


class ComplaintFlow(FormFlow[ComplaintForm]):
    name = "complaint"
    form_type = ComplaintForm
    steps = (
        CategoryStep(),
        DescriptionStep(),
        PhotosStep(),
        LocationStep(),
        DusunStep(),
        SimilarStep(),
    )

    def title(self, ctx: Ctx) -> str:
        return ctx._("📢 Complaint")

    def summary_intro(self, ctx: Ctx) -> str:
        return ctx._(
            "Please check your report. Officials of the village will see your name and "
            "partly hidden phone number with it. To keep your identity secret, tap "
            "🔒 Send secretly: officials then see only the report code."
        )

    def confirm_buttons(self, ctx: Ctx, form: ComplaintForm) -> list[Button]:
        return [
            Button(ctx._("✅ Send"), "sum:ok"),
            Button(ctx._("🔒 Send secretly"), "sum:ok:secret"),
        ]

    def confirmed(self, form: ComplaintForm, variant: str) -> None:
        form.confidential = variant == "secret"

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Report cancelled. Nothing was sent."))]

    async def finish(self, ctx: Ctx, form: ComplaintForm, key: str) -> Finished | Reask:
        citizen, village = ctx.citizen, ctx.village
        if citizen is None or village is None:
            return Finished([main_menu(ctx, ctx._("Please register first."))])
        category = category_of(village, form.category)
        now = ctx.now()
        case, created = await open_case(
            ctx,
            card.COMPLAINT,
            village_id=citizen.village_id,
            citizen_id=citizen.id,
            key=key,
            confidential=form.confidential,
            due_at=now + timedelta(hours=category.response_hours),
            data=card.ComplaintData(
                category=form.category,
                description=form.description,
                voice=form.voice,
                photos=form.photos,
                latitude=form.latitude,
                longitude=form.longitude,
                landmark=form.landmark,
                dusun=form.dusun,
            ).to_json(),
        )
        if created:
            post_card(ctx, case, await desk.DESK.render(ctx.services, ctx.session, case))
        text = ctx._(
            "Your report has been received. Report code: {code}\n\n"
            "Officials will respond within {time}. We will tell you here when anything "
            "changes. To check it yourself, type /status {code} or tap 📋 My reports."
        ).format(code=case.code, time=response_text(ctx, category.response_hours))
        return Finished([main_menu(ctx, text)])


COMPLAINT_FLOW = ComplaintFlow()


async def start_complaint(ctx: Ctx) -> list[Reply]:
    """Start a report; free text that names the problem fills category and description."""
    if ctx.citizen is None or ctx.village is None:
        reason = ctx._("To send a report, please register first; you only do it once.")
        return await register_first(ctx, reason, then="complaint")
    form = ComplaintForm()
    if ctx.msg.kind is Kind.TEXT:
        guessed = guess_category(ctx, ctx.village, ctx.msg.text)
        if guessed is not None:
            form.category = guessed
            text = clean(ctx.msg.text)
            if len(text) >= DESCRIPTION_MIN and fold(text) not in _ENTRY_WORDS:
                form.description = text
    replies = form_engine.start(ctx, COMPLAINT_FLOW, form)
    understood = _understood(ctx, form)
    if understood and replies:
        replies[0] = replace(replies[0], text=f"{understood}\n\n{replies[0].text}")
    return replies


def _understood(ctx: Ctx, form: ComplaintForm) -> str:
    """One line saying what was taken from the typed words, before the next question."""
    if not form.category or ctx.village is None:
        return ""
    category = ctx._(category_of(ctx.village, form.category).name)
    if not form.description:
        return ctx._("Category: {category}.").format(category=category)
    said = form.description if len(form.description) <= 60 else form.description[:59] + "…"
    return ctx._("Category: {category}; report: {text}").format(category=category, text=said)


_ENTRY_WORDS = {"lapor", "pengaduan", "aduan", "keluhan", "komplain", "mau lapor"}


async def my_reports(ctx: Ctx) -> list[Reply]:
    """List the person's reports (and those they support) with their status."""
    if ctx.citizen is None:
        return await start_complaint(ctx)
    return await my_cases(
        ctx,
        card.COMPLAINT,
        title=ctx._("📋 My reports"),
        empty=ctx._("You have not sent any report yet."),
        view_prefix="case:view:",
    )
