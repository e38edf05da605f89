"""The seller's questions: what each step of selling asks, takes and shows on the summary.

Name, category, price (and unit) and photos are asked in turn; description, stock, delivery
and how buyers reach the seller have defaults and are changed from the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.common.formatting import number, phone
from flows.common.matching import match
from flows.common.text import clean, fit_label, fold
from flows.common.validation import Invalid, parse_phone, too_long
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Onward, Question, Stay, Step
from flows.engine.types import Button, Expect, Kind
from flows.market.card import (
    BALAI,
    DELIVERY,
    UNITS,
    WHATSAPP,
    categories,
    category_name,
    price_text,
)
from flows.market.price import parse_price

MAX_PHOTOS = 3
NAME_MIN, NAME_MAX = 3, 80
DESCRIPTION_MAX = 500
STOCK_MAX = 1_000_000
# "20", "1.500", "20 kg": a whole number, a unit after it is ignored (the listing's is kept).
_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*[^\W\d]*\.?", re.UNICODE)


@dataclass
class SellForm:
    name: str = ""
    category: str = ""
    price: int | None = None
    nego: bool = False
    unit: str = ""
    photos: list[str] = field(default_factory=list)
    photos_done: bool = False
    description: str = ""
    stock: int | None = None
    delivery: str = "pickup"
    contact: str = BALAI
    whatsapp: str = ""
    # Set when the seller corrects a listing officials sent back: only these are asked.
    fix_case: int = 0
    fix_steps: list[str] = field(default_factory=list)
    # Set when the seller changes a listing from Lapak saya (not a correction asked for).
    editing: bool = False


def _village(ctx: Ctx) -> VillageConfig:
    if ctx.village is None:
        raise LookupError("selling needs a registered resident")
    return ctx.village


class SellStep(Step[SellForm]):
    """A step asked again in a correction only when officials flagged it."""

    flagged_as = ""

    def applies(self, ctx: Ctx, form: SellForm) -> bool:
        return not form.fix_case or (self.flagged_as or self.name) in form.fix_steps


class NameStep(SellStep):
    name = "name"

    def prefilled(self, form: SellForm) -> bool:
        return bool(form.name) and not form.fix_case

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        return Question(ctx._('What are you selling? Type its name, e.g. "Kopi robusta bubuk".'))

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        text = clean(answer.text) if answer.kind is Kind.TEXT else ""
        if len(text) < NAME_MIN:
            return Invalid(ctx._("Please type the name of what you sell (at least 3 letters)."))
        problem = too_long(text, NAME_MAX, ctx._, ctx.locale)
        if problem is not None:
            return problem
        form.name = text
        return None

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Name"), form.name


class CategoryStep(SellStep):
    name = "category"

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        options = tuple(
            Button(fit_label(c.short or c.name), c.code) for c in categories(_village(ctx))
        )
        return Question(ctx._("Which category? Tap one."), options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        known = {c.code: (c.name, c.short) for c in categories(_village(ctx))}
        if answer.kind is Kind.CHOICE and answer.choice in known:
            form.category = answer.choice
            return None
        if answer.kind is Kind.TEXT:
            found = match(answer.text, {k: tuple(n for n in v if n) for k, v in known.items()})
            if found.best is not None:
                form.category = found.best
                return None
        return Invalid(ctx._("Please tap one of the categories below."))

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Category"), category_name(_village(ctx), form.category)


class PriceStep(SellStep):
    name = "price"

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        text = ctx._(
            'What is the price? Type it as you would write it, e.g. "25rb", "Rp 25.000/kg" '
            'or "1,5 jt". If buyers may offer, tap 🤝 Negotiable.'
        )
        return Question(text, (Button(ctx._("🤝 Negotiable"), "nego"),), Expect.TEXT)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | Onward | None:
        if answer.kind is Kind.CHOICE and answer.choice == "nego":
            form.price, form.nego, form.unit = None, True, ""
            return None
        parsed = parse_price(answer.text if answer.kind is Kind.TEXT else "", ctx._)
        if isinstance(parsed, Invalid):
            return parsed
        form.price, form.nego = parsed.amount, parsed.amount is None
        form.unit = parsed.unit if parsed.amount is not None else ""
        # A price without its unit asks for the unit next, from the summary too.
        return Onward() if parsed.amount is not None and not parsed.unit else None

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Price"), price_text(ctx._, form.price, form.unit)


class UnitStep(SellStep):
    name = "unit"
    flagged_as = "price"
    counted = False

    def applies(self, ctx: Ctx, form: SellForm) -> bool:
        return super().applies(ctx, form) and form.price is not None and not form.unit

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        options = (*(Button(u, u) for u in UNITS), Button(ctx._("Whole item"), "-"))
        text = ctx._("The price is for how much? Tap a unit, or type it.")
        return Question(text, options, Expect.CHOICE, per_row=3)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.CHOICE and answer.choice == "-":
            form.unit = ""
            form.price = form.price  # the whole item: no unit
            return None
        word = fold(answer.choice if answer.kind is Kind.CHOICE else answer.text)
        word = word.removeprefix("per ").removeprefix("/").strip()
        if not word or len(word) > 15 or not re.fullmatch(r"[a-z ]+", word):
            return Invalid(ctx._("Please tap a unit below, or type a short one such as kg."))
        form.unit = word
        return None


class PhotosStep(SellStep):
    name = "photos"

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        if form.photos:
            text = ctx._("Photo {n} of {m} received. Send another, or tap ✅ Photos done.").format(
                n=len(form.photos), m=MAX_PHOTOS
            )
            options = (Button(ctx._("✅ Photos done"), "done"),)
        else:
            text = ctx._(
                "Send up to {m} photos of what you sell; buyers like to see it. Or tap ⏭️ Skip."
            ).format(m=MAX_PHOTOS)
            options = (Button(ctx._("⏭️ Skip"), "skip"),)
        return Question(text, options, Expect.PHOTO)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | Stay | None:
        if answer.kind is Kind.CHOICE and answer.choice in ("skip", "done"):
            form.photos_done = True
            return None
        if answer.kind is Kind.PHOTO and answer.media_id:
            if form.photos_done:  # asked again (a correction, a change): start over
                form.photos, form.photos_done = [], False
            form.photos.append(answer.media_id)
            if len(form.photos) >= MAX_PHOTOS:
                form.photos_done = True
                return None
            return Stay()
        if answer.kind is Kind.TEXT and fold(answer.text) in ("lewati", "skip", "selesai"):
            form.photos_done = True
            return None
        return Invalid(ctx._("Please send a photo (not as a file), or tap the button below."))

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Photos"), str(len(form.photos)) if form.photos else ctx._("none")


class DescriptionStep(SellStep):
    name = "description"

    def in_sequence(self, ctx: Ctx, form: SellForm) -> bool:
        return bool(form.fix_case)

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        text = ctx._(
            "Describe it in a few words (at most {limit} characters): quality, stock, when "
            "it is ready. Or tap ⏭️ Skip."
        ).format(limit=DESCRIPTION_MAX)
        return Question(text, (Button(ctx._("⏭️ Skip"), "skip"),), Expect.TEXT)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.CHOICE and answer.choice == "skip":
            form.description = ""
            return None
        text = clean(answer.text) if answer.kind is Kind.TEXT else ""
        if not text:
            return Invalid(ctx._("Please type a short description, or tap ⏭️ Skip."))
        problem = too_long(text, DESCRIPTION_MAX, ctx._, ctx.locale)
        if problem is not None:
            return problem
        form.description = text
        return None

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Description"), form.description or "-"


class StockStep(SellStep):
    """How much is for sale: not asked in turn (a default of "not said"), set on the summary
    or from Lapak saya; a change on a live listing shows at once, like the price."""

    name = "stock"

    def in_sequence(self, ctx: Ctx, form: SellForm) -> bool:
        return bool(form.fix_case)

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        text = ctx._(
            "How much do you have for sale? Type a number, for example 20 (in {unit}), or tap "
            "⏭️ Skip to leave it out."
        ).format(unit=form.unit or ctx._("pieces"))
        return Question(text, (Button(ctx._("⏭️ Skip"), "skip"),), Expect.TEXT)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.CHOICE and answer.choice == "skip":
            form.stock = None
            return None
        found = _AMOUNT.fullmatch(clean(answer.text)) if answer.kind is Kind.TEXT else None
        amount = int(re.sub(r"[.,]", "", found[1])) if found else None
        if amount is None or amount > STOCK_MAX:
            return Invalid(ctx._("Please type how much as a number, for example 20."))
        if amount == 0:
            return Invalid(
                ctx._("If it is sold out, mark it ✅ Sold in 📦 My listings. Or type how much.")
            )
        form.stock = amount
        return None

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        if form.stock is None:
            return ctx._("Stock"), "-"
        return ctx._("Stock"), f"{number(form.stock, ctx.locale)} {form.unit}".strip()


class DeliveryStep(SellStep):
    name = "delivery"

    def in_sequence(self, ctx: Ctx, form: SellForm) -> bool:
        return False

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        options = (
            Button(ctx._("🏠 Pick up"), "pickup"),
            Button(ctx._("🛵 Within village"), "village"),
            Button(ctx._("📦 Can ship"), "ship"),
        )
        return Question(ctx._("How do buyers get it?"), options, Expect.CHOICE)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        if answer.kind is Kind.CHOICE and answer.choice in DELIVERY:
            form.delivery = answer.choice
            return None
        return Invalid(ctx._("Please tap one of the buttons below."))

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        return ctx._("Delivery"), ctx._(DELIVERY[form.delivery])


class ContactStep(SellStep):
    name = "contact"

    def in_sequence(self, ctx: Ctx, form: SellForm) -> bool:
        return False

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        text = ctx._(
            "How do buyers reach you? Through Balai, your number stays hidden: buyers write "
            "here and we pass it on. Or show your WhatsApp number with the listing."
        )
        options = (
            Button(ctx._("🔒 Through Balai"), BALAI),
            Button(ctx._("📱 Show my WhatsApp"), WHATSAPP),
        )
        return Question(text, options, Expect.CHOICE)

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | Onward | None:
        if answer.kind is Kind.CHOICE and answer.choice == BALAI:
            form.contact, form.whatsapp = BALAI, ""
            return None
        if answer.kind is Kind.CHOICE and answer.choice == WHATSAPP:
            form.contact = WHATSAPP
            return Onward()  # the number comes next, from the summary too
        return Invalid(ctx._("Please tap one of the buttons below."))

    def summary(self, ctx: Ctx, form: SellForm) -> tuple[str, str]:
        if form.contact == WHATSAPP and form.whatsapp:
            return ctx._("Buyers reach you"), phone(form.whatsapp)
        return ctx._("Buyers reach you"), ctx._("through Balai (number hidden)")


class WhatsAppStep(SellStep):
    name = "whatsapp"
    flagged_as = "contact"

    def applies(self, ctx: Ctx, form: SellForm) -> bool:
        return super().applies(ctx, form) and form.contact == WHATSAPP

    def question(self, ctx: Ctx, form: SellForm) -> Question:
        return Question(ctx._("Type the WhatsApp number buyers may use, e.g. 0812 3456 7890."))

    async def take(self, ctx: Ctx, form: SellForm, answer: Answer) -> Invalid | None:
        parsed = parse_phone(answer.text if answer.kind is Kind.TEXT else "", ctx._)
        if isinstance(parsed, Invalid):
            return parsed
        form.whatsapp = parsed
        return None
