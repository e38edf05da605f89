"""What a resident's typed words say about a letter: which letter they ask for (a name,
an alias, with typos), and the answers they already give ("ktp hilang")."""

from __future__ import annotations

from flows.common.letter_types import FieldType
from flows.common.matching import Match, match
from flows.common.text import fold
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from flows.letters.fields import other_option
from flows.letters.request_form import LetterForm, letter_of

# Words many letters' names share, or that name no letter ("mau bikin surat pengantar
# ..."): left out on both sides when matching, so "surat pengantar nikah" is weighed by
# "nikah", not by the "pengantar" of Pengantar KTP, KK and SKCK.
_GENERIC_WORDS = {
    "surat",
    "srt",
    "sk",
    "keterangan",
    "ket",
    "pengantar",
    "saya",
    "aku",
    "mau",
    "ingin",
    "minta",
    "bikin",
    "buat",
    "membuat",
    "urus",
    "mengurus",
    "tolong",
    "dong",
    "pak",
    "bu",
    "layanan",
}


def telling_words(text: str) -> str:
    """The words of `text` that can tell one letter from another."""
    return " ".join(word for word in fold(text).split() if word not in _GENERIC_WORDS)


def guess_letter(village: VillageConfig, text: str) -> Match:
    """The letter typed text asks for (a name, an alias, with typos), or the closest ones."""
    options = {
        t.code: [p for p in map(telling_words, (t.name, t.short, *t.aliases)) if p]
        for t in village.letters
    }
    query = telling_words(text)
    named = _named_in(query, options)
    return Match(named, ()) if named is not None else match(query, options)


def _named_in(query: str, options: dict[str, list[str]]) -> str | None:
    """The letter whose name or alias the text spells out whole; the longest (in words,
    then letters) wins: "pindah domisili" is Pindah, though "domisili" alone is Domisili."""
    padded = f" {query} "
    found = [
        ((phrase.count(" "), len(phrase)), code)
        for code, phrases in options.items()
        for phrase in phrases
        if f" {phrase} " in padded
    ]
    if not found:
        return None
    longest = max(n for n, _code in found)
    codes = {code for n, code in found if n == longest}
    return codes.pop() if len(codes) == 1 else None


def prefill_from_text(ctx: Ctx, form: LetterForm, text: str) -> None:
    """Answers the person already gave when asking for the letter ("ktp hilang" answers
    Pengantar KTP's reason): choice options named word for word."""
    typed = f" {fold(text)} "
    for found in letter_of(ctx, form).fields:
        if found.type is not FieldType.CHOICE:
            continue
        named = [o for o in found.options if o != other_option(found) and f" {fold(o)} " in typed]
        if len(named) == 1:
            form.values[found.code] = named[0]
            form.prefilled_fields.append(found.code)
