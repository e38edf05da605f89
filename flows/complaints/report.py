"""Pengaduan, the resident's side: category -> what happened -> photos -> where -> send.

Officials' side lives in `desk.py`. Diagram: complaints.mmd beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from babel.numbers import format_decimal

from flows.cases.card import post_card
from flows.cases.lifecycle import open_case, status_label
from flows.cases.mine import my_cases
from flows.common.matching import match
from flows.common.text import N_, clean, fold
from flows.common.validation import Invalid, too_long
from flows.common.villages import VillageConfig
from flows.complaints import card, desk, export, followup, reporter
from flows.complaints.categories import (
    CATEGORY_WORDS,
    button_label,
    categories,
    category_of,
    response_text,
)
from flows.complaints.similar import find_similar
from flows.engine import form as form_engine
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Leave, Question, Reask, Stay, Step
from flows.engine.menu import main_menu, register_first
from flows.engine.places import dusun_options, pick_dusun
from flows.engine.types import Button, Expect, Kind, Reply
from storage import cases

MAX_PHOTOS = 3
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
LANDMARK_MAX = 200


@dataclass
class ComplaintForm:
    category: str = ""
    description: str = ""
    voice: str = ""
    photos: list[str] = field(default_factory=list)
    photos_done: bool = False
    latitude: float | None = None
    longitude: float | None = None
    landmark: str = ""
    dusun: str = ""
    similar_case: int | None = None
    similar_text: str = ""
    similar_decided: bool = False
    # The similar report was closed before the person could support it.
    similar_closed: bool = False
    confidential: bool = False


def _village(ctx: Ctx) -> VillageConfig:
    village = ctx.village
    if village is None:
        raise LookupError("complaints need a registered resident")
    return village


class CategoryStep(Step[ComplaintForm]):
    name = "category"

    def prefilled(self, form: ComplaintForm) -> bool:
        return bool(form.category)

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        options = tuple(Button(button_label(ctx, c), c.code) for c in categories(_village(ctx)))
        text = ctx._("What is your report about? Tap a category.")
        return Question(text, options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | None:
        known = {c.code: c for c in categories(_village(ctx))}
        if answer.kind is Kind.CHOICE and answer.choice in known:
            form.category = answer.choice
            return None
        if answer.kind is Kind.TEXT:
            found = guess_category(ctx, _village(ctx), answer.text)
            if found is not None:
                form.category = found
                return None
        return Invalid(ctx._("Please tap one of the categories below."))

    def summary(self, ctx: Ctx, form: ComplaintForm) -> tuple[str, str]:
        return ctx._("Category"), ctx._(category_of(_village(ctx), form.category).name)


def guess_category(ctx: Ctx, village: VillageConfig, text: str) -> str | None:
    options = {
        c.code: (
            ctx._(c.name),
            c.name,
            *((ctx._(c.short), c.short) if c.short else ()),
            *CATEGORY_WORDS.get(c.code, ()),
        )
        for c in categories(village)
    }
    return match(text, options).best


class DescriptionStep(Step[ComplaintForm]):
    name = "what"

    def prefilled(self, form: ComplaintForm) -> bool:
        return bool(form.description or form.voice)

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        category = category_of(_village(ctx), form.category)
        text = ctx._(
            "What happened? Type it in a few sentences (at most {limit} characters), or "
            "send a voice note if you would rather speak."
        ).format(limit=format_decimal(DESCRIPTION_MAX, locale=ctx.locale))
        if category.notice:
            text = f"⚠️ {ctx._(category.notice)}\n\n{text}"
        return Question(text, expects=Expect.TEXT)

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.VOICE and answer.media_id:
            form.voice, form.description = answer.media_id, ""
            return None
        text = clean(answer.text) if answer.kind is Kind.TEXT else ""
        if len(text) < DESCRIPTION_MIN:
            return Invalid(
                ctx._(
                    "Please tell us a little more (at least {n} characters), or send a voice note."
                ).format(n=DESCRIPTION_MIN)
            )
        problem = too_long(text, DESCRIPTION_MAX, ctx._, ctx.locale)
        if problem is not None:
            return problem
        form.description, form.voice = text, ""
        return None

    def summary(self, ctx: Ctx, form: ComplaintForm) -> tuple[str, str]:
        return ctx._("What happened"), form.description or ctx._("🎤 voice note")


class PhotosStep(Step[ComplaintForm]):
    name = "photos"

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        if form.photos:
            text = ctx._("Photo {n} of {m} received. Send another, or tap ✅ Photos done.").format(
                n=len(form.photos), m=MAX_PHOTOS
            )
            options = (Button(ctx._("✅ Photos done"), "done"),)
        else:
            text = ctx._("Send up to {m} photos of the problem, or tap ⏭️ Skip.").format(
                m=MAX_PHOTOS
            )
            options = (Button(ctx._("⏭️ Skip"), "skip"),)
        return Question(text, options, Expect.PHOTO)

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | Stay | None:
        if answer.kind is Kind.CHOICE and answer.choice in ("skip", "done"):
            form.photos_done = True
            return None
        if answer.kind is Kind.PHOTO and answer.media_id:
            form.photos.append(answer.media_id)
            if len(form.photos) >= MAX_PHOTOS:
                form.photos_done = True
                return None
            return Stay()  # the question says it: "Photo 1 of 3 received. Send another..."
        if answer.kind is Kind.TEXT and fold(answer.text) in (
            "lewati",
            "skip",
            "tidak ada",
            "selesai",
        ):
            form.photos_done = True
            return None
        return Invalid(ctx._("Please send a photo (not as a file), or tap the button below."))

    def summary(self, ctx: Ctx, form: ComplaintForm) -> tuple[str, str]:
        return ctx._("Photos"), str(len(form.photos)) if form.photos else ctx._("none")


class LocationStep(Step[ComplaintForm]):
    name = "where"

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        text = ctx._(
            "Where is it? Tap 📍 Send location while you are there, or type a landmark "
            '(at most {limit} characters), e.g. "depan masjid Al-Ikhlas, RT 03".'
        ).format(limit=LANDMARK_MAX)
        return Question(text, expects=Expect.LOCATION, share_label=ctx._("📍 Send location"))

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.LOCATION and answer.location is not None:
            form.latitude, form.longitude = answer.location.latitude, answer.location.longitude
            form.landmark = ""
        elif answer.kind is Kind.TEXT and len(clean(answer.text)) >= 3:
            landmark = clean(answer.text)
            problem = too_long(landmark, LANDMARK_MAX, ctx._, ctx.locale)
            if problem is not None:
                return problem
            form.landmark = landmark
            form.latitude = form.longitude = None
        else:
            return Invalid(ctx._("Please tap 📍 Send location, or type a landmark."))
        if not form.dusun and ctx.citizen is not None:
            form.dusun = ctx.citizen.dusun or ""
        await _look_for_similar(ctx, form)
        return None

    def summary(self, ctx: Ctx, form: ComplaintForm) -> tuple[str, str]:
        if form.latitude is not None:
            return ctx._("Where"), ctx._("📍 location pin")
        return ctx._("Where"), form.landmark


class DusunStep(Step[ComplaintForm]):
    """Defaults to the reporter's own dusun; changed from the summary when elsewhere."""

    name = "dusun"

    def in_sequence(self, ctx: Ctx, form: ComplaintForm) -> bool:
        return False

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        options = dusun_options(_village(ctx))
        return Question(ctx._("In which dusun is it?"), options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | None:
        dusun = pick_dusun(_village(ctx), answer)
        if dusun is None:
            return Invalid(ctx._("Please tap your dusun from the list below."))
        form.dusun = dusun
        return None

    def summary(self, ctx: Ctx, form: ComplaintForm) -> tuple[str, str]:
        return ctx._("Dusun"), form.dusun or "-"


class SimilarStep(Step[ComplaintForm]):
    """Offers to support an open report of the same problem instead of a new one."""

    name = "similar"

    def applies(self, ctx: Ctx, form: ComplaintForm) -> bool:
        return form.similar_case is not None and not form.similar_decided

    def question(self, ctx: Ctx, form: ComplaintForm) -> Question:
        if form.similar_closed:
            text = ctx._("Send yours as a new report?")
            return Question(text, (Button(ctx._("📝 Send a new one"), "new"),), Expect.CHOICE)
        text = "\n\n".join(
            (
                ctx._("Someone has already reported something similar nearby:"),
                form.similar_text,
                ctx._("Support that report (you will hear about it too), or send a new one?"),
            )
        )
        options = (
            Button(ctx._("👍 Support that one"), "support"),
            Button(ctx._("📝 Send a new one"), "new"),
        )
        return Question(text, options, Expect.CHOICE)

    async def take(self, ctx: Ctx, form: ComplaintForm, answer: Answer) -> Invalid | Leave | None:
        if answer.kind is Kind.CHOICE and answer.choice == "new":
            form.similar_decided = True
            return None
        if answer.kind is Kind.CHOICE and answer.choice == "support" and form.similar_case:
            case = await cases.by_id(ctx.session, form.similar_case)
            if case is not None and ctx.citizen is not None:
                supported = await reporter.add_supporter(ctx, case, ctx.citizen)
                if supported is not None:
                    return Leave(supported)
                # Closed since it was offered (an official was quicker): say so, and
                # offer to send this report as a new one.
                form.similar_closed = True
                text = ctx._(
                    "Report {code} is already {status} now, so it can no longer be supported."
                )
                status = status_label(ctx, card.COMPLAINT, case.status)
                return Invalid(text.format(code=case.code, status=status))
        return Invalid(ctx._("Please tap one of the buttons below."))


async def _look_for_similar(ctx: Ctx, form: ComplaintForm) -> None:
    form.similar_case, form.similar_decided, form.similar_text = None, False, ""
    form.similar_closed = False
    if ctx.citizen is None or not form.description:
        return
    found = await find_similar(
        ctx, ctx.citizen, form.category, form.description, form.latitude, form.longitude
    )
    if found is not None:
        form.similar_case, form.similar_text = found


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
