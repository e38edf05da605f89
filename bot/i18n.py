"""Loads the gettext catalogues; Indonesian is the default and the fallback."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED = ("id", "en")


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue for `locale`. English msgids double as the English text."""
    if locale not in SUPPORTED:
        locale = "id"
    return gettext.translation(DOMAIN, LOCALES_DIR, languages=[locale], fallback=locale == "en")
