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
