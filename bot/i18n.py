"""Loads the gettext catalogues; Indonesian is the default and the fallback."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "messages"
SUPPORTED = ("id", "en")
# An installed wheel carries the catalogues compiled into the package (see setup.py); an
# editable install reads the checkout's locales/, compiled there by `make i18n-compile`.
PACKAGE_LOCALES = Path(__file__).resolve().parent / "locales"
CHECKOUT_LOCALES = Path(__file__).resolve().parent.parent / "locales"
LOCALES_DIR = PACKAGE_LOCALES if PACKAGE_LOCALES.is_dir() else CHECKOUT_LOCALES


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue for `locale`. English msgids double as the English text."""
    if locale not in SUPPORTED:
        locale = "id"
    return gettext.translation(DOMAIN, LOCALES_DIR, languages=[locale], fallback=locale == "en")


def operator_gettext(message: str) -> str:
    """What the CLI tells operators: Indonesian, like what residents and officials read."""
    return translations(SUPPORTED[0]).gettext(message)
