"""The catalogues: Indonesian complete, and in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{\w+\}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_message_has_an_indonesian_translation():
    catalog = _catalog(ROOT / "locales/id/LC_MESSAGES/messages.po")
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings) and not message.fuzzy, f"untranslated: {ids[0]!r}"
        for text in strings:
            assert set(PLACEHOLDER.findall(ids[-1])) == set(PLACEHOLDER.findall(text)), ids[0]


def test_catalogues_are_in_step_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "n_:1,2",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = _ids(_catalog(fresh))
    assert in_code == _ids(_catalog(ROOT / "locales/messages.pot")), "run `make i18n`"
    assert in_code == _ids(_catalog(ROOT / "locales/id/LC_MESSAGES/messages.po"))
    assert in_code == _ids(_catalog(ROOT / "locales/en/LC_MESSAGES/messages.po"))
