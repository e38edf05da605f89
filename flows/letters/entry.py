"""Where a resident comes into Layanan Surat: starting a request (a letter named in free
text goes straight to its questions), carrying on after registering, 📄 Surat saya, and a
request's own buttons (view, ✏️ fix, cancel)."""

from __future__ import annotations

from flows.cases.card import to_card_thread
from flows.cases.lifecycle import Refused, change_status, status_label
from flows.cases.mine import my_cases
from flows.common.text import fold
from flows.engine import form as form_engine
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.menu import main_menu, register_first
from flows.engine.types import Button, Expect, Kind, Reply, rows
from flows.letters.card import (
    CANCELLABLE,
    CANCELLED,
    INCOMPLETE,
    LETTER,
    LetterData,
    applicant_view,
    letter_type_of,
)
from flows.letters.desk import DESK as LETTER_DESK
from flows.letters.fix import start_fix
from flows.letters.guess import guess_letter, prefill_from_text, telling_words
from flows.letters.request import LETTER_FLOW, own_case
from flows.letters.request_form import LetterForm
from storage import cases
from storage.models import Case

# Words that ask about requests already sent, not for a new one.
_ASKING_WORDS = {"kapan", "status", "cek", "gimana", "bagaimana"}
_ASKING_PHRASES = ("sudah jadi", "belum jadi", "jadi belum", "sudah selesai", "selesai belum")


def _letter_asked_for(ctx: Ctx) -> str:
    """What to carry on with after registering: the letter named ("letter:domisili") when
    the village is known already (a one-village deployment), else the letter service."""
    only = ctx.services.villages.only()
    if only is None or ctx.msg.kind is not Kind.TEXT or not telling_words(ctx.msg.text):
        return "letter"
    found = guess_letter(only, ctx.msg.text)
    return f"letter:{found.best}" if found.best else "letter"


async def resume_letter(ctx: Ctx, code: str) -> list[Reply]:
    """Carry on with the letter asked for before registering."""
    if ctx.village is None or not any(t.code == code for t in ctx.village.letters):
        return await start_letter(ctx)
    return form_engine.start(ctx, LETTER_FLOW, LetterForm(type=code))


async def start_letter(ctx: Ctx) -> list[Reply]:
    """Start a request; typed names, abbreviations and typos go straight to the letter."""
    if ctx.citizen is None or ctx.village is None:
        reason = ctx._("To request a letter, please register first; you only do it once.")
        return await register_first(ctx, reason, then=_letter_asked_for(ctx))
    if not ctx.village.letters:
        return [main_menu(ctx, ctx._("Sorry, this village does not take letter requests here."))]
    form = LetterForm()
    typed = fold(ctx.msg.text) if ctx.msg.kind is Kind.TEXT else ""
    words = set(typed.split())
    asking = words & _ASKING_WORDS or any(p in typed for p in _ASKING_PHRASES)
    if asking and await cases.of_citizen(ctx.session, ctx.citizen.id, LETTER.name):
        return await my_letters(ctx)  # "kapan surat domisili saya jadi?"
    if telling_words(ctx.msg.text):
        found = guess_letter(ctx.village, ctx.msg.text)
        if found.best is not None:
            form.type = found.best
            prefill_from_text(ctx, form, ctx.msg.text)
        else:
            form.suggestions = list(found.close)
    return form_engine.start(ctx, LETTER_FLOW, form)


async def my_letters(ctx: Ctx) -> list[Reply]:
    """The person's letter requests with their status, newest first."""
    if ctx.citizen is None or ctx.village is None:
        return await start_letter(ctx)
    village = ctx.village
    return await my_cases(
        ctx,
        LETTER,
        title=ctx._("📄 My letters"),
        empty=ctx._("You have not requested any letter yet."),
        view_prefix="surat:view:",
        subject=lambda case: letter_type_of(village, LetterData.of(case)).short,
    )


async def applicant_action(ctx: Ctx, value: str) -> list[Reply]:
    """View a request, start its fix, or cancel it (asked once more before it happens)."""
    action, _s, rest = value.partition(":")
    case_id, _s, version = rest.partition(":")
    case = await own_case(ctx, case_id)
    if case is None:
        return [main_menu(ctx, ctx._("That request was not found among yours."))]
    if action == "fix" and case.status == INCOMPLETE:
        return await start_fix(ctx, case)
    if action == "cancel" and case.status in CANCELLABLE:
        text = ctx._("Cancel request {code}? Officials will stop working on it.")
        buttons = rows(
            Button(ctx._("🗑️ Yes, cancel"), f"surat:cancelok:{case.id}:{case.version}"),
            Button(ctx._("↩️ No, keep it"), f"surat:view:{case.id}"),
            per_row=2,
        )
        return [Reply(text.format(code=case.code), buttons, Expect.CHOICE)]
    if action == "cancelok" and version.isdigit():
        return await _cancel(ctx, case, int(version))
    status = status_label(ctx, LETTER, case.status)
    why = {
        "fix": ctx._("Request {code} is already {status}, so there is nothing to fix now."),
        "cancel": ctx._("Request {code} is already {status}, so it can no longer be cancelled."),
    }.get(action)
    said = [Reply(why.format(code=case.code, status=status))] if why else []
    return [*said, await applicant_view(ctx, case)]


async def _cancel(ctx: Ctx, case: Case, version: int) -> list[Reply]:
    changed = await change_status(
        ctx,
        LETTER,
        case,
        seen_version=version,
        to_status=CANCELLED,
        actor="citizen",
        action="cancelled",
        values={"closed_at": ctx.now()},
    )
    if isinstance(changed, Refused):
        text = ctx._("The request changed meanwhile and was not cancelled. Here it is now:")
        return [Reply(text), await applicant_view(ctx, case)]
    await LETTER_DESK.refresh(ctx, case)
    _ = admin_gettext(ctx)
    note = _("🗑️ {code} was cancelled by the applicant.").format(code=case.code)
    to_card_thread(ctx, case, Reply(note), f"cancelled:{case.id}")
    text = ctx._("Request {code} is cancelled. You can request a letter again at any time.")
    return [main_menu(ctx, text.format(code=case.code))]
