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
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []
    for message in catalog:
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


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
