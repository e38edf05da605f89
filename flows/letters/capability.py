"""What Layanan Surat contributes to the catalogue: its intents (a request, Surat saya),
the request flow, the fix awaited from an applicant, the letter desk, the export and the
buttons of a request."""

from __future__ import annotations

from flows.common.text import N_
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.letters import export
from flows.letters.desk import DESK as LETTER_DESK
from flows.letters.entry import applicant_action, my_letters, resume_letter, start_letter
from flows.letters.fix import fix_without_button
from flows.letters.request import LETTER_FLOW

# What people type to ask for the service as a whole rather than one letter.
_ENTRY_WORDS = {
    "surat",
    "layanan surat",
    "minta surat",
    "bikin surat",
    "buat surat",
    "mau bikin surat",
    "mau buat surat",
    "urus surat",
    "surat keterangan",
    "surat pengantar",
}


def _registered(ctx: Ctx) -> bool:
    return ctx.citizen is not None


def _letter_names(ctx: Ctx) -> list[str]:
    villages = [ctx.village] if ctx.village else list(ctx.services.villages)
    return [name for v in villages for t in v.letters for name in (t.name, *t.aliases)]


CAPABILITY = Capability(
    name="letters",
    intents=(
        Intent(
            "letter",
            start_letter,
            keywords=tuple(sorted(_ENTRY_WORDS)),
            more_keywords=_letter_names,
            commands=(Command("surat", N_("Request a letter from the village office")),),
            resume=resume_letter,
            menu_label=lambda ctx: ctx._("📄 Letter services"),
            rank=20,
        ),
        Intent(
            "my_letters",
            my_letters,
            keywords=("surat saya", "status surat", "cek surat", "permohonan saya"),
            commands=(Command("suratsaya", N_("My letter requests and their status")),),
            menu_label=lambda ctx: ctx._("📄 My letters"),
            rank=21,
            visible=_registered,
        ),
    ),
    flows=(LETTER_FLOW,),
    awaited=(fix_without_button,),
    desks=(LETTER_DESK,),
    exports=(export.EXPORT,),
    choices={"surat": applicant_action},
)
