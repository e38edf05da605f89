"""Profil Saya: see my data (NIK masked), correct it (the registration steps), or delete it."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.exc import IntegrityError

from flows.common.formatting import masked_nik, phone, rt_rw, village_time
from flows.common.text import N_, fold
from flows.common.validation import Invalid
from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Leave, Question, Reask, Review, Step
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Reply, noted_first
from flows.residents import verification
from flows.residents.registration import card_for_officials, start_registration
from flows.residents.registration_steps import (
    STEPS,
    RegistrationForm,
    nik_unavailable,
    village_of_form,
)
from storage import cases, people
from storage.media import referenced_ids
from storage.models import Citizen


class ProfileEditFlow(FormFlow[RegistrationForm]):
    """A registered person corrects their data: the registration summary, prefilled."""

    name = "profile_edit"
    form_type = RegistrationForm
    steps = STEPS

    def title(self, ctx: Ctx) -> str:
        return ctx._("✏️ Correct my data")

    def confirm_label(self, ctx: Ctx) -> str:
        return ctx._("✅ Save")

    def summary_intro(self, ctx: Ctx) -> str:
        return ctx._("Tap the field you want to correct, then ✅ Save.")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Nothing was changed."))]

    async def finish(self, ctx: Ctx, form: RegistrationForm, key: str) -> Finished | Reask | Review:
        citizen = ctx.citizen
        if citizen is None or citizen.id != form.citizen_id:
            return Finished([main_menu(ctx, ctx._("Your registration was not found."))])
        village = village_of_form(ctx, form)
        identity = {
            "full_name": form.full_name,
            "nik": form.nik,
            "dusun": form.dusun,
            "rt": form.rt,
            "rw": form.rw,
        }
        new_identity = any(getattr(citizen, k) != v for k, v in identity.items())
        if not new_identity and citizen.phone == form.phone:
            return Finished([main_menu(ctx, ctx._("Nothing was changed."))])
        # The version the form was filled from (a form from before versions: as loaded now).
        seen = citizen.version if form.citizen_version is None else form.citizen_version
        if citizen.version != seen:
            return changed_meanwhile(ctx, form, citizen, village)
        values: dict[str, object] = {**identity, "phone": form.phone}
        if new_identity:
            # Officials verified the old identity data; changed data needs a new check.
            values |= {"verified_at": None, "verified_by": None}
        # One conditional UPDATE on the version the form saw: an official verifying or the
        # same person saving from another chat app meanwhile is never overwritten.
        try:
            async with ctx.session.begin_nested():
                saved = await people.claim_citizen_version(ctx.session, citizen, seen, values)
        except IntegrityError:
            return Reask("nik", nik_unavailable(ctx, village))
        if not saved:
            if citizen.deleted_at is not None:  # deleted from another chat app meanwhile
                return Finished([main_menu(ctx, ctx._("Your registration was not found."))])
            return changed_meanwhile(ctx, form, citizen, village)
        if new_identity:
            ctx.send(card_for_officials(ctx, citizen, village, N_("✏️ Resident data changed")))
        return Finished([main_menu(ctx, ctx._("Your data has been updated."))])


def changed_meanwhile(
    ctx: Ctx, form: RegistrationForm, citizen: Citizen, village: VillageConfig
) -> Review:
    """Someone saved the person's data after this form was opened: show it as it is now."""
    current = edit_form(ctx, citizen, village)
    for name in (f.name for f in fields(current)):
        setattr(form, name, getattr(current, name))
    return Review(
        ctx._(
            "Your data changed while you were correcting it (a village official may have "
            "checked it, or you changed it in another chat app). Your correction was not "
            "saved. Here is your data as it is now; please make your correction again."
        )
    )


PROFILE_EDIT_FLOW = ProfileEditFlow()


def edit_form(ctx: Ctx, citizen: Citizen, village: VillageConfig) -> RegistrationForm:
    return RegistrationForm(
        consent_at=citizen.consent_at.isoformat() if citizen.consent_at else "",
        village_code=village.code,
        full_name=citizen.full_name or "",
        nik=citizen.nik or "",
        dusun=citizen.dusun or "",
        rt=citizen.rt or "",
        rw=citizen.rw or "",
        phone=citizen.phone or "",
        citizen_id=citizen.id,
        citizen_version=citizen.version,
    )


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


async def show_profile(ctx: Ctx) -> list[Reply]:
    """Show the registered person their data."""
    citizen, village = ctx.citizen, ctx.village
    if citizen is None or village is None:
        text = ctx._("You are not registered yet. Register first:")
        return noted_first(text, await start_registration(ctx))
    status = (
        ctx._("✅ Verified by the village office")
        if citizen.verified_at
        else ctx._("⏳ Waiting for a village official to check it")
    )
    text = "\n".join(
        [
            ctx._("👤 My profile"),
            "",
            ctx._("Name: {value}").format(value=citizen.full_name),
            ctx._("NIK: {value}").format(value=masked_nik(citizen.nik or "")),
            ctx._("Village: Desa {value}").format(value=village.name),
            ctx._("Dusun: {value}").format(value=citizen.dusun),
            ctx._("RT/RW: {value}").format(value=rt_rw(citizen.rt or "", citizen.rw or "")),
            ctx._("Mobile number: {value}").format(value=phone(citizen.phone or "")),
            ctx._("Registered: {value}").format(
                value=village_time(citizen.registered_at, village, ctx.locale)
            ),
            ctx._("Status: {value}").format(value=status),
        ]
    )
    buttons = (
        (Button(ctx._("✏️ Correct data"), "profile:edit"),),
        (Button(ctx._("🗑️ Delete my data"), "profile:delete"),),
        (Button(ctx._("🏠 Main menu"), "menu:menu"),),
    )
    return [Reply(text, buttons, Expect.CHOICE)]


async def profile_action(ctx: Ctx, action: str) -> list[Reply]:
    """Start correcting or deleting the person's data."""
    if action == "edit":
        return await start_edit(ctx)
    if action == "delete":
        return await start_delete(ctx)
    return await show_profile(ctx)


async def start_edit(ctx: Ctx) -> list[Reply]:
    """Open the summary of the person's data with a change button per field."""
    citizen, village = ctx.citizen, ctx.village
    if citizen is None or village is None:
        return await show_profile(ctx)
    form = edit_form(ctx, citizen, village)
    return form_engine.start(ctx, PROFILE_EDIT_FLOW, form, at_summary=True)


@dataclass
class DeleteForm:
    confirmed: bool = False


class ConfirmDeleteStep(Step[DeleteForm]):
    name = "confirm"

    def question(self, ctx: Ctx, form: DeleteForm) -> Question:
        text = ctx._(
            "Delete all your data?\n\n"
            "We will erase your name, NIK, dusun, RT/RW, mobile number and any form you "
            "are filling in, and this chat will no longer be linked to you.\n\n"
            "Requests and reports that officials have already decided are kept in the "
            "village archive as the law requires, but without your name (anonymised).\n\n"
            "This cannot be undone."
        )
        options = (
            Button(ctx._("🗑️ Yes, delete"), "yes"),
            Button(ctx._("Keep my data"), "no"),
        )
        return Question(text, options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: DeleteForm, answer: Answer) -> Invalid | Leave | None:
        said = answer.choice or fold(answer.text)
        if said in ("yes", "ya", "hapus", "ya hapus"):
            form.confirmed = True
            return None
        if said in ("no", "tidak", "jangan"):
            return Leave([main_menu(ctx, ctx._("Your data was kept. Nothing was deleted."))])
        return Invalid(ctx._("Please tap 🗑️ Yes, delete or Keep my data."))


class DeleteDataFlow(FormFlow[DeleteForm]):
    name = "delete_data"
    form_type = DeleteForm
    steps = (ConfirmDeleteStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return ctx._("🗑️ Delete my data")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Your data was kept. Nothing was deleted."))]

    async def finish(self, ctx: Ctx, form: DeleteForm, key: str) -> Finished | Reask:
        if ctx.citizen is not None:
            if ctx.village is not None:
                await verification.forget_cards(ctx, ctx.citizen, ctx.village)
            for withdraw in ctx.services.catalog.on_erase:
                await withdraw(ctx, ctx.citizen)
            await _erase_media(ctx, ctx.citizen)
            await people.erase_citizen(ctx.session, ctx.citizen)
            ctx.citizen = None
        ctx.identity.citizen_id = None
        text = ctx._(
            "Your data has been deleted. Thank you for using Balai. "
            "You can register again at any time with /daftar."
        )
        return Finished([Reply(text)])


DELETE_DATA_FLOW = DeleteDataFlow()


async def _erase_media(ctx: Ctx, citizen: Citizen) -> None:
    """Remove the photos, voice notes and files this resident sent, except those an open
    case of theirs still shows the officials (a report's photos, a request's documents)."""
    store = ctx.services.media
    if store is None:
        return
    keep: set[int] = set()
    for data in await cases.open_data_of(ctx.session, citizen.id):
        keep |= referenced_ids(data)
    identities = {i.id for i in await people.identities_of(ctx.session, citizen.id)}
    await store.erase(ctx.session, identities | {ctx.identity.id}, keep)


async def start_delete(ctx: Ctx) -> list[Reply]:
    """Ask for confirmation before deleting everything."""
    if ctx.citizen is None:
        return [main_menu(ctx, ctx._("We hold no registration data for you."))]
    return form_engine.start(ctx, DELETE_DATA_FLOW)


CAPABILITY = Capability(
    name="residents.profile",
    intents=(
        Intent(
            "profile",
            show_profile,
            keywords=("profil", "profil saya", "data saya", "data diri", "akun saya", "profile"),
            commands=(Command("profil", N_("See or correct my data"), aliases=("profile",)),),
            menu_label=lambda ctx: ctx._("👤 My profile"),
            rank=60,
            visible=_registered,
        ),
        Intent(
            "delete_data",
            start_delete,
            keywords=("hapus data", "hapus data saya", "hapus akun", "delete my data"),
            commands=(Command("hapusdata", N_("Delete my data")),),
            rank=61,
            visible=_registered,
        ),
    ),
    flows=(PROFILE_EDIT_FLOW, DELETE_DATA_FLOW),
    choices={"profile": profile_action},
)
