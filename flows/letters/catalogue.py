"""The letter catalogue file (TOML): which letters exist, their fields and documents.

Balai ships `letters.toml` beside this module; a deployment may point `letter_catalogue`
in its config at its own file, and each village may switch letters off (`letters_off`) or
add its own (`[[villages.letters]]`). Every mistake is reported naming the file, entry and key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from flows.common.letter_types import (
    MAX_DOCUMENTS,
    MAX_FIELDS,
    MAX_OPTIONS,
    FieldType,
    LetterField,
    LetterType,
    Requirement,
)


class CatalogueError(ValueError):
    """A mistake in a letter catalogue; the message names the file, the letter and the field."""


DEFAULT_CATALOGUE = Path(__file__).with_name("letters.toml")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
# Labels that become buttons fit WhatsApp's reply buttons (BAHASA.md).
BUTTON_MAX = 20
_LETTER_KEYS = {
    "code",
    "name",
    "short",
    "description",
    "working_days",
    "documents",
    "fields",
    "purpose",
    "purpose_options",
    "aliases",
}
_FIELD_KEYS = {
    "code",
    "label",
    "question",
    "type",
    "required",
    "hint",
    "options",
    "past_only",
    "min",
    "max",
}


def load_catalogue(path: Path) -> tuple[LetterType, ...]:
    if not path.is_file():
        raise CatalogueError(f"The letter catalogue {path} does not exist.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"The letter catalogue {path} is not valid TOML: {exc}.") from exc
    entries = data.get("letters")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path} must describe at least one letter in a [[letters]] table.")
    return parse_letters(entries, str(path))


def parse_letters(entries: list[Any], source: str) -> tuple[LetterType, ...]:
    letters = tuple(_letter(entry, f"{source}, letter #{n}") for n, entry in enumerate(entries, 1))
    _unique([letter.code for letter in letters], f"{source}: two letters share the code")
    return letters


def for_village(
    catalogue: tuple[LetterType, ...], entry: dict[str, Any], where: str
) -> tuple[LetterType, ...]:
    """The catalogue minus the village's `letters_off`, plus its own `[[villages.letters]]`."""
    off = entry.get("letters_off", [])
    known = {letter.code for letter in catalogue}
    if not isinstance(off, list) or not all(isinstance(code, str) for code in off):
        raise CatalogueError(f"{where}: letters_off must be a list of letter codes.")
    unknown = [code for code in off if code not in known]
    if unknown:
        raise CatalogueError(
            f"{where}: letters_off names {', '.join(unknown)}, which the catalogue does not "
            f"have (it has {', '.join(sorted(known))})."
        )
    own_entries = entry.get("letters", [])
    if not isinstance(own_entries, list):
        raise CatalogueError(f"{where}: letters must be a list of tables ([[villages.letters]]).")
    own = parse_letters(own_entries, f"{where}, letters") if own_entries else ()
    replaced = {letter.code for letter in own}
    kept = tuple(t for t in catalogue if t.code not in off and t.code not in replaced)
    letters = kept + own
    if not letters:
        raise CatalogueError(f"{where}: every letter is switched off; keep at least one.")
    return letters


def _letter(entry: Any, where: str) -> LetterType:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where} must be a table.")
    where = f"{where} ({entry.get('code', '?')})"
    _no_unknown_keys(entry, _LETTER_KEYS, where)
    code = _code(entry, where)
    fields = tuple(
        _field(f, f"{where}, field #{n}") for n, f in enumerate(_tables(entry, "fields", where), 1)
    )
    documents = tuple(
        Requirement(
            code=_code(d, f"{where}, document #{n}"),
            label=_text(d, "label", f"{where}, document #{n}"),
            required=_flag(d, "required", f"{where}, document #{n}", default=True),
        )
        for n, d in enumerate(_tables(entry, "documents", where), 1)
    )
    if len(fields) > MAX_FIELDS or len(documents) > MAX_DOCUMENTS:
        raise CatalogueError(
            f"{where}: at most {MAX_FIELDS} fields and {MAX_DOCUMENTS} documents per letter."
        )
    _unique([f.code for f in fields], f"{where}: two fields share the code")
    _unique([d.code for d in documents], f"{where}: two documents share the code")
    name = _text(entry, "name", where)
    working_days = entry.get("working_days")
    if not isinstance(working_days, int) or isinstance(working_days, bool) or working_days < 1:
        raise CatalogueError(f"{where}: working_days must be a whole number of at least 1.")
    short = _text(entry, "short", where, default=name)
    purpose_options = _texts(entry, "purpose_options", where)
    _fits_button([short], "short", where)
    _fits_button(purpose_options, "purpose_options", where)
    return LetterType(
        code=code,
        name=name,
        short=short,
        description=_text(entry, "description", where),
        working_days=working_days,
        documents=documents,
        fields=fields,
        purpose=_flag(entry, "purpose", where, default=False),
        purpose_options=purpose_options,
        aliases=_texts(entry, "aliases", where),
    )


def _field(entry: Any, where: str) -> LetterField:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where} must be a table.")
    where = f"{where} ({entry.get('code', '?')})"
    _no_unknown_keys(entry, _FIELD_KEYS, where)
    raw_type = entry.get("type")
    try:
        field_type = FieldType(str(raw_type))
    except ValueError:
        kinds = ", ".join(t.value for t in FieldType)
        raise CatalogueError(f"{where}: type must be one of {kinds}; got {raw_type!r}.") from None
    options = _texts(entry, "options", where)
    if field_type is FieldType.CHOICE and not 2 <= len(options) <= MAX_OPTIONS:
        raise CatalogueError(f"{where}: a choice needs between 2 and {MAX_OPTIONS} options.")
    if options and field_type is not FieldType.CHOICE:
        raise CatalogueError(f"{where}: only a choice field has options.")
    _fits_button(options, "options", where)
    bounds = [entry.get("min"), entry.get("max")]
    if any(b is not None and (not isinstance(b, int) or isinstance(b, bool)) for b in bounds):
        raise CatalogueError(f"{where}: min and max must be whole numbers.")
    return LetterField(
        code=_code(entry, where),
        label=_text(entry, "label", where),
        type=field_type,
        required=_flag(entry, "required", where, default=True),
        hint=_text(entry, "hint", where, default=""),
        options=options,
        question=_text(entry, "question", where, default=""),
        past_only=_flag(entry, "past_only", where, default=False),
        minimum=bounds[0],
        maximum=bounds[1],
    )


def _code(entry: dict[str, Any], where: str) -> str:
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise CatalogueError(
            f"{where}: code must be lower-case letters, digits or _ (at most 20), starting "
            f"with a letter; got {code!r}."
        )
    return code


def _text(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise CatalogueError(f"{where}: {key} must be a non-empty text.")
    return value.strip()


def _texts(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{where}: {key} must be a list of texts.")
    return tuple(v.strip() for v in value)


def _flag(table: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise CatalogueError(f"{where}: {key} must be true or false.")
    return value


def _tables(entry: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CatalogueError(f"{where}: {key} must be a list of tables ([[letters.{key}]]).")
    return value


def _no_unknown_keys(entry: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise CatalogueError(
            f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(sorted(known))})."
        )


def _fits_button(labels: list[str] | tuple[str, ...], key: str, where: str) -> None:
    for label in labels:
        if len(label) > BUTTON_MAX:
            raise CatalogueError(
                f"{where}: {key} {label!r} is longer than {BUTTON_MAX} characters, the most a "
                "button shows."
            )


def _unique(codes: list[str], message: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise CatalogueError(f"{message} {code!r}.")
        seen.add(code)
