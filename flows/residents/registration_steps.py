"""Registration's questions: the form and what each step asks, takes and shows on the
summary (consent, village, name, NIK, dusun, RT/RW, phone).

The same steps, minus consent and village, let a registered person correct their data
(see `profile.ProfileEditFlow`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flows.common.formatting import phone, rt_rw
from flows.common.text import fold
from flows.common.validation import (
    Gettext,
    Invalid,
    parse_name,
    parse_nik,
    parse_phone,
    parse_rt_rw,
)
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Leave, Question, Stay, Step
from flows.engine.menu import main_menu
from flows.engine.places import (
    VillageStep,
    dusun_options,
    pick_dusun,
    village_label,
)
from flows.engine.types import Button, Expect, Kind
from storage import people

T = TypeVar("T")
_YES = {"ya", "iya", "setuju", "saya setuju", "yes", "ok", "oke", "agree", "i agree"}
_NO = {"tidak", "tidak setuju", "no", "nggak", "gak", "ga"}


@dataclass
class RegistrationForm:
    consent_at: str = ""
    village_code: str = ""
    village_suggestions: list[str] = field(default_factory=list)
    full_name: str = ""
    nik: str = ""
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    phone: str = ""
    # The person turned down the number their chat app gave ("Nomor lain"): typed instead.
    other_phone: bool = False
    # The village came with the number the person wrote to: not asked.
    village_given: bool = False
    # Set when a registered person corrects their data through the same steps, with the
    # version of their record the form was filled from (None: a form opened before forms
    # kept it).
    citizen_id: int | None = None
    citizen_version: int | None = None


def village_of_form(ctx: Ctx, form: RegistrationForm) -> VillageConfig:
    village = ctx.services.villages.by_code(form.village_code)
    if village is None:
        raise LookupError("registration form has no known village")
    return village


def _typed(ctx: Ctx, answer: Answer, parse: Callable[[str, Gettext], T | Invalid]) -> T | Invalid:
    """The parsed answer to a typed question, or why it cannot be taken."""
    if answer.kind is not Kind.TEXT or not answer.text.strip():
        return Invalid(ctx._("Please type your answer as a text message."))
    return parse(answer.text, ctx._)


class ConsentStep(Step[RegistrationForm]):
    name = "consent"

    def applies(self, ctx: Ctx, form: RegistrationForm) -> bool:
        return form.citizen_id is None

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        text = ctx._(
            "Before you register, please read this.\n\n"
            "We store your full name, NIK, dusun, RT/RW and mobile number so the village "
            "office can serve your requests. Only officials of your village see them, with "
            "your NIK and number partly hidden. We never share them with anyone else.\n\n"
            "You can see your data with /profil and delete it at any time with /hapusdata "
            "(UU PDP No. 27/2022).\n\n"
            "Do you agree?"
        )
        options = (
            Button(ctx._("✅ I agree"), "yes"),
            Button(ctx._("❌ I do not agree"), "no"),
        )
        # ❌ I do not agree is the way out here: no second ❌ (Cancel) beside it.
        return Question(text, options, Expect.CHOICE, per_row=2, cancel_button=False)

    async def take(
        self, ctx: Ctx, form: RegistrationForm, answer: Answer
    ) -> Invalid | Leave | None:
        said = answer.choice or fold(answer.text)
        if said in ("yes", *_YES):
            form.consent_at = ctx.now().isoformat()
            return None
        if said in ("no", *_NO):
            text = ctx._(
                "All right, we have not stored anything. Without registering you can still "
                "read the village information. You can register any time with /daftar."
            )
            return Leave([main_menu(ctx, ctx._("What would you like to do?")).noted(text)])
        return Invalid(ctx._("Please tap ✅ I agree or ❌ I do not agree."))


class RegistrationVillageStep(VillageStep[RegistrationForm]):
    def applies(self, ctx: Ctx, form: RegistrationForm) -> bool:
        return form.citizen_id is None and len(ctx.services.villages) > 1 and not form.village_given

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | None:
        problem = await super().take(ctx, form, answer)
        if problem is None:
            form.dusun = ""  # another village has other dusun
        return problem

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("Village"), village_label(ctx, village_of_form(ctx, form))


class NameStep(Step[RegistrationForm]):
    name = "name"

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        return Question(ctx._("What is your full name, as written on your KTP?"))

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | None:
        name = _typed(ctx, answer, parse_name)
        if isinstance(name, Invalid):
            return name
        form.full_name = name
        return None

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("Name"), form.full_name


class NikStep(Step[RegistrationForm]):
    name = "nik"

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        return Question(
            ctx._("What is your NIK? It is the 16-digit number on your KTP or family card (KK)."),
            expects=Expect.NUMBER,
        )

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | None:
        nik = _typed(ctx, answer, parse_nik)
        if isinstance(nik, Invalid):
            return nik
        village = village_of_form(ctx, form)
        village_id = ctx.services.village_ids[village.code]
        if await people.nik_taken(ctx.session, village_id, nik, except_citizen=form.citizen_id):
            return Invalid(nik_unavailable(ctx, village))
        form.nik = nik
        return None

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("NIK"), form.nik


def nik_unavailable(ctx: Ctx, village: VillageConfig) -> str:
    # Never say who holds it (BAHASA.md): only that it cannot be used, and whom to ask.
    return ctx._(
        "This NIK cannot be used to register in Desa {village}. If it is yours, please "
        "contact the village office ({phone}). Or type another NIK."
    ).format(village=village.name, phone=village.phone)


class DusunStep(Step[RegistrationForm]):
    name = "dusun"

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        options = dusun_options(village_of_form(ctx, form))
        return Question(ctx._("Which dusun do you live in?"), options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | None:
        dusun = pick_dusun(village_of_form(ctx, form), answer)
        if dusun is None:
            return Invalid(ctx._("Please tap your dusun from the list below."))
        form.dusun = dusun
        return None

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("Dusun"), form.dusun


class RtRwStep(Step[RegistrationForm]):
    name = "rtrw"

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        return Question(ctx._("What are your RT and RW? Type them like this: 003/005"))

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | None:
        parsed = _typed(ctx, answer, parse_rt_rw)
        if isinstance(parsed, Invalid):
            return parsed
        form.rt, form.rw = parsed
        return None

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("RT/RW"), rt_rw(form.rt, form.rw)


class PhoneStep(Step[RegistrationForm]):
    name = "phone"

    def question(self, ctx: Ctx, form: RegistrationForm) -> Question:
        given = _given_number(ctx)
        if given is not None and not form.other_phone:
            text = ctx._("What is your mobile number? Use this number: {phone}?").format(
                phone=phone(given)
            )
            options = (
                Button(ctx._("✅ Yes, this one"), "this"),
                Button(ctx._("Another number"), "other"),
            )
            return Question(text, options, Expect.CHOICE, per_row=2)
        text = ctx._(
            "What is your mobile number? Tap 📱 Share my number below, or type it, "
            "e.g. 0812 3456 7890."
        )
        return Question(text, expects=Expect.CONTACT, share_label=ctx._("📱 Share my number"))

    async def take(self, ctx: Ctx, form: RegistrationForm, answer: Answer) -> Invalid | Stay | None:
        given = _given_number(ctx)
        if answer.choice == "this" and given is not None:
            form.phone = given
            return None
        if answer.choice == "other":
            form.other_phone = True
            return Stay()
        if answer.kind is Kind.CONTACT:
            if not answer.contact_is_own or not answer.contact_phone:
                return Invalid(ctx._("Please share your own number, not someone else's."))
            raw = answer.contact_phone
        elif answer.kind is Kind.TEXT and answer.text.strip():
            raw = answer.text
        else:
            return Invalid(ctx._("Please tap 📱 Share my number, or type your mobile number."))
        number = parse_phone(raw, ctx._)
        if isinstance(number, Invalid):
            return number
        if answer.kind is Kind.CONTACT and ctx.identity.citizen_id is None:
            # The app vouches for its user's own number: another app's registration with
            # it may later be joined with one tap.
            ctx.identity.phone = number
        form.phone = number
        return None

    def summary(self, ctx: Ctx, form: RegistrationForm) -> tuple[str, str]:
        return ctx._("Mobile number"), phone(form.phone)


def _given_number(ctx: Ctx) -> str | None:
    """The number the chat app gave with the person's messages (WhatsApp's sender)."""
    if not ctx.identity.phone:
        return None
    number = parse_phone(ctx.identity.phone, ctx._)
    return None if isinstance(number, Invalid) else number


STEPS: tuple[Step[RegistrationForm], ...] = (
    ConsentStep(),
    RegistrationVillageStep(),
    NameStep(),
    NikStep(),
    DusunStep(),
    RtRwStep(),
    PhoneStep(),
)
