"""Build hook: a wheel carries the compiled message catalogues and the example village.

The checkout keeps `locales/<lang>/LC_MESSAGES/messages.po` and `balai.example.toml` at its
top (the one source of each); a wheel has no top, so building it compiles every catalogue
into `bot/locales/<lang>/LC_MESSAGES/messages.mo` and copies the example config to
`bot/balai.example.toml`. An editable install (`make`) skips this: bot/i18n.py and
bot/settings.py then read the checkout's own files (`make i18n-compile` writes the .mo).
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
LOCALES = ROOT / "locales"
EXAMPLE = ROOT / "balai.example.toml"
DOMAIN = "messages"


class BuildPyWithCatalogues(build_py):
    """`build_py`, plus the compiled catalogues and the example config inside `bot/`."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        catalogues = self._catalogues()
        if not any(lang == "id" for lang, _po in catalogues):
            raise SetupError(f"No Indonesian catalogue under {LOCALES}: the wheel would not start.")
        for lang, po in catalogues:
            with po.open("rb") as source:
                catalog = read_po(source, locale=lang, domain=DOMAIN)
            if catalog.fuzzy:
                raise SetupError(f"{po} is marked fuzzy as a whole; review it before building.")
            target = self._mo_path(lang)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_mo(out, catalog)  # like `pybabel compile`: fuzzy entries are left out
        self.copy_file(str(EXAMPLE), str(self._example_path()))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        extra = [self._mo_path(lang) for lang, _po in self._catalogues()]
        return [*outputs, *(str(p) for p in (*extra, self._example_path()))]

    def _catalogues(self) -> list[tuple[str, Path]]:
        return [
            (po.parent.parent.name, po) for po in sorted(LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        ]

    def _mo_path(self, lang: str) -> Path:
        return Path(self.build_lib, "bot", "locales", lang, "LC_MESSAGES", f"{DOMAIN}.mo")

    def _example_path(self) -> Path:
        return Path(self.build_lib, "bot", EXAMPLE.name)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
