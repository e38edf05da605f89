"""Cleaning what people type before anything else looks at it."""

from __future__ import annotations

import re
import unicodedata

# Longer than any message a chat app delivers (Telegram and WhatsApp: 4,096), so a length
# check always sees the real length; stops a much longer paste early.
MAX_INPUT_CHARS = 10_000
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC, no control or bidi-override characters, single spaces, trimmed.

    Control characters (null bytes, U+202E and friends) can hide or reorder what an
    official reads, so they never reach storage or another chat.
    """
    text = unicodedata.normalize("NFC", text[:MAX_INPUT_CHARS])
    kept = "".join(ch if not unicodedata.category(ch).startswith("C") else " " for ch in text)
    return _SPACES.sub(" ", kept).strip()


def fold(text: str) -> str:
    """Lowercase, accents off, punctuation to spaces: the shape used for matching."""
    decomposed = unicodedata.normalize("NFKD", clean(text).lower())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", re.sub(r"[^\w]+", " ", letters)).strip()


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Marks a msgid for extraction; translated where it is shown."""
    return message


# WhatsApp's limit for a reply button (BAHASA.md); Telegram allows more, Balai does not use it.
BUTTON_MAX = 20


def fit_label(label: str, limit: int = BUTTON_MAX) -> str:
    """A button label of at most `limit` characters: as it is when it fits; a trailing
    acronym in brackets when the rest is too long ("Kartu Keluarga (KK)" -> "KK"); else cut
    at a word with an ellipsis ("Penghasilan keluarga per bulan" -> "Penghasilan…")."""
    if len(label) <= limit:
        return label
    bracket = re.search(r"\(([^()]{1,12})\)$", label)
    if bracket is not None:
        return bracket[1]
    words, kept = label.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) + 1 > limit:
            break
        kept = candidate
    return f"{kept or label[: limit - 1]}…"


def in_sentence(label: str) -> str:
    """A catalogue label used inside a sentence: "Surat pengantar RT/RW" -> "surat pengantar
    RT/RW", "Kartu Keluarga (KK)" -> "kartu keluarga (KK)"; acronyms (KTP, SKCK) stay."""
    return " ".join(
        word.lower() if word[:1].isupper() and word[1:].islower() else word
        for word in label.split(" ")
    )
