"""Registration: consent -> village -> name -> NIK -> dusun -> RT/RW -> phone -> summary.

The same steps, minus consent and village, let a registered person correct their data
(see `profile.ProfileEditFlow`); they are in `registration_steps.py`. Diagram:
registration.mmd beside this file.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.admin import admin_gettext
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Finished, FormFlow, Reask
from flows.engine.menu import main_menu
from flows.engine.types import Outbound, Reply
from flows.residents.linking import number_offer
from flows.residents.registration_steps import (
    STEPS,
    RegistrationForm,
    nik_unavailable,
    village_of_form,
)
from flows.residents.verification import CITIZEN_CARD_PREFIX, citizen_card
from storage.models import Citizen


class RegistrationFlow(FormFlow[RegistrationForm]):
    name = "registration"
    form_type = RegistrationForm
    steps = STEPS

    def title(self, ctx: Ctx) -> str:
        return ctx._("📝 Registration")

    def confirm_label(self, ctx: Ctx) -> str:
        return ctx._("✅ Save")

    def summary_intro(self, ctx: Ctx) -> str:
        text = ctx._("Please check your data. If everything is correct, tap {send}.")
        return text.format(send=self.confirm_label(ctx))

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        text = ctx._("Registration cancelled. Nothing was saved.")
        return [main_menu(ctx, text)]

    async def finish(self, ctx: Ctx, form: RegistrationForm, key: str) -> Finished | Reask:
        if ctx.citizen is not None:
            return Finished([main_menu(ctx, ctx._("You are already registered."))])
        village = village_of_form(ctx, form)
        now = ctx.now()
        citizen = Citizen(
            village_id=ctx.services.village_ids[village.code],
            full_name=form.full_name,
            nik=form.nik,
            dusun=form.dusun,
            rt=form.rt,
            rw=form.rw,
            phone=form.phone,
            consent_at=now,
            registered_at=now,
            version=1,
        )
        if not await insert_unique(ctx, citizen):
            return Reask("nik", nik_unavailable(ctx, village))
        ctx.identity.citizen_id = citizen.id
        ctx.citizen = citizen
        for welcome in ctx.services.catalog.on_registered:
            await welcome(ctx, citizen)
        ctx.send(card_for_officials(ctx, citizen, village, N_("🆕 New resident registered")))
        done = ctx._(
            "Thank you, {name}. You are now registered in Desa {village}. "
            "A village official will check your data."
        ).format(name=citizen.full_name, village=village.name)
        return Finished([main_menu(ctx, done)])


async def insert_unique(ctx: Ctx, citizen: Citizen) -> bool:
    """Insert, treating a NIK taken meanwhile (a race) as a field to re-ask."""
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(citizen)
            await ctx.session.flush()
    except IntegrityError:
        return False
    return True


REGISTRATION_FLOW = RegistrationFlow()


def card_for_officials(
    ctx: Ctx, citizen: Citizen, village: VillageConfig, headline: str
) -> Outbound:
    """The resident's card for the admin chat; `headline` is an N_() msgid, translated here
    for the admin chat (always Indonesian), never in the resident's language."""
    return Outbound(
        channel=ctx.services.admin_channel,
        chat_id=village.admin_chat_id,
        reply=citizen_card(ctx, citizen, village, admin_gettext(ctx)(headline)),
        dedupe_key=f"{CITIZEN_CARD_PREFIX}{citizen.id}:{citizen.version}",
    )


async def start_registration(ctx: Ctx) -> list[Reply]:
    """Start registering, or say the person already is."""
    return await begin_registration(ctx, offer_link=True)


async def begin_registration(ctx: Ctx, *, offer_link: bool) -> list[Reply]:
    """Start registering; first offer to join a registration the same number made in
    another chat app, unless the person just turned that down."""
    if ctx.citizen is not None:
        return [main_menu(ctx, ctx._("You are already registered."))]
    offer = await number_offer(ctx) if offer_link else None
    if offer is not None:
        return [offer]
    form = RegistrationForm()
    only = ctx.services.villages.only()
    if only is not None:
        form.village_code = only.code
    given = ctx.services.villages.by_code(ctx.msg.village) if ctx.msg.village else None
    if given is not None:
        form.village_code, form.village_given = given.code, True
    return form_engine.start(ctx, REGISTRATION_FLOW, form)


def _unregistered(ctx: Ctx) -> bool:
    return ctx.citizen is None


CAPABILITY = Capability(
    name="residents.registration",
    intents=(
        Intent(
            "register",
            start_registration,
            keywords=("daftar", "mendaftar", "pendaftaran", "registrasi", "regis", "register"),
            commands=(Command("daftar", N_("Register as a resident"), aliases=("register",)),),
            menu_label=lambda ctx: ctx._("📝 Register"),
            rank=10,
            visible=_unregistered,
        ),
    ),
    flows=(REGISTRATION_FLOW,),
    onboarding="register",
)
