"""The reporter's questions: the complaint form and what each step of a report asks, takes
and shows on the summary (category, what happened, photos, where, dusun, a similar report).

The dusun defaults to the reporter's own and is changed from the summary; a similar open
report nearby is offered to support once the place is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.numbers import format_decimal

from flows.cases.lifecycle import status_label
from flows.common.matching import match
from flows.common.text import clean, fold
from flows.common.validation import Invalid, too_long
from flows.common.villages import VillageConfig
from flows.complaints import card, reporter
from flows.complaints.categories import CATEGORY_WORDS, button_label, categories, category_of
from flows.complaints.similar import find_similar
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Leave, Question, Stay, Step
from flows.engine.places import dusun_options, pick_dusun
from flows.engine.types import Button, Expect, Kind
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
