"""The village config file (TOML): one or more [[villages]] with their settings."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import SetupError
from flows.common.letter_types import LetterType
from flows.common.villages import (
    ZONE_ABBREVIATIONS,
    ComplaintCategory,
    Contact,
    FaqEntry,
    MarketCategory,
    OfficeHours,
    QuietHours,
    Region,
    Topic,
    VillageConfig,
    Villages,
)
from flows.letters.catalogue import (
    DEFAULT_CATALOGUE,
    CatalogueError,
    for_village,
    load_catalogue,
)
from handlers.whatsapp.templates import Template

# Kemendagri village codes: province.regency.district.village, e.g. 18.04.07.2001.
_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_REQUIRED = ("code", "name", "kecamatan", "kabupaten", "timezone", "admin_chat_id", "dusun")


def load_villages(path: Path) -> Villages:
    """The villages of the config file at `path`; any mistake is a SetupError naming it."""
    with _catalogue_errors_as_setup_errors():
        return _load_villages(path)


def parse_villages(
    data: dict[str, Any], source: str, letters: tuple[LetterType, ...] | None = None
) -> Villages:
    with _catalogue_errors_as_setup_errors():
        return _parse_villages(data, source, letters)


@contextmanager
def _catalogue_errors_as_setup_errors() -> Iterator[None]:
    try:
        yield
    except CatalogueError as exc:
        raise SetupError(str(exc)) from exc


def _load_villages(path: Path) -> Villages:
    if not path.is_file():
        raise SetupError(
            f"The config file {path} does not exist. Copy the example village's config "
            f"(balai.example.toml; `balai demo` prints where it is) to {path} and fill in "
            "your village, or point BALAI_CONFIG at your config file."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SetupError(f"The config file {path} is not valid TOML: {exc}.") from exc
    catalogue = data.get("letter_catalogue")
    if catalogue is not None and not isinstance(catalogue, str):
        raise SetupError(f"{path}: letter_catalogue must be the path of a TOML file.")
    letters = load_catalogue(path.parent / catalogue if catalogue else DEFAULT_CATALOGUE)
    return _parse_villages(data, str(path), letters)


def _parse_villages(
    data: dict[str, Any], source: str, letters: tuple[LetterType, ...] | None = None
) -> Villages:
    entries = data.get("villages")
    if not isinstance(entries, list) or not entries:
        raise SetupError(f"{source} must describe at least one village in a [[villages]] table.")
    catalogue = load_catalogue(DEFAULT_CATALOGUE) if letters is None else letters
    villages = [
        _village(entry, f"{source}, village #{n}", catalogue) for n, entry in enumerate(entries, 1)
    ]
    for field_name in ("code", "admin_chat_id", "whatsapp_phone_number_id"):
        seen: set[str] = set()
        for village in villages:
            value = getattr(village, field_name)
            if value is None:
                continue
            if value in seen:
                raise SetupError(f"{source}: two villages share the {field_name} {value!r}.")
            seen.add(value)
    return Villages(villages, _regions(data, source, villages))


def _village(entry: Any, where: str, catalogue: tuple[LetterType, ...]) -> VillageConfig:
    if not isinstance(entry, dict):
        raise SetupError(f"{where} must be a table.")
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise SetupError(f"{where} is missing {', '.join(missing)}.")
    where = f"{where} ({entry.get('name', '?')})"
    code = _text(entry, "code", where)
    if not _CODE.match(code):
        raise SetupError(
            f"{where}: code must be a Kemendagri code like 18.04.07.2001; got {code!r}."
        )
    zone = _text(entry, "timezone", where)
    if zone not in ZONE_ABBREVIATIONS:
        raise SetupError(
            f"{where}: timezone must be Asia/Jakarta (WIB), Asia/Makassar (WITA) or "
            f"Asia/Jayapura (WIT); got {zone!r}."
        )
    admin_chat = entry["admin_chat_id"]
    if not isinstance(admin_chat, int) or isinstance(admin_chat, bool):
        raise SetupError(
            f"{where}: admin_chat_id must be the officials' Telegram group id, a number "
            "such as -1001234567890."
        )
    dusun = entry["dusun"]
    if not isinstance(dusun, list) or not dusun or not all(isinstance(d, str) and d for d in dusun):
        raise SetupError(f"{where}: dusun must be a list of hamlet names.")
    contacts = tuple(
        Contact(_text(c, "role", where), _text(c, "name", where), _text(c, "phone", where))
        for c in _tables(entry, "contacts", where)
    )
    return VillageConfig(
        code=code,
        name=_text(entry, "name", where),
        kecamatan=_text(entry, "kecamatan", where),
        kabupaten=_text(entry, "kabupaten", where),
        timezone=zone,
        admin_chat_id=str(admin_chat),
        dusun=tuple(dusun),
        address=_text(entry, "address", where, default=""),
        phone=_text(entry, "phone", where, default=""),
        office_hours=tuple(
            OfficeHours(_text(h, "days", where), _text(h, "hours", where))
            for h in _tables(entry, "office_hours", where)
        ),
        contacts=contacts,
        faq=tuple(
            FaqEntry(_text(f, "question", where), _text(f, "answer", where))
            for f in _tables(entry, "faq", where)
        ),
        aliases=tuple(entry.get("aliases", ())),
        complaint_categories=tuple(
            _category(c, where) for c in _tables(entry, "complaint_categories", where)
        ),
        followup_days=_number(entry, "followup_days", where, default=3),
        head_name=_text(entry, "head_name", where, default="")
        or next((c.name for c in contacts if c.role.lower() == "kepala desa"), ""),
        admin_topic_id=entry.get("admin_topic_id")
        if isinstance(entry.get("admin_topic_id"), int)
        else None,
        letters=for_village(catalogue, entry, where),
        whatsapp_phone_number_id=_optional_id(entry, "whatsapp_phone_number_id", where),
        market_categories=tuple(
            MarketCategory(
                _text(c, "code", where), _text(c, "name", where), _text(c, "short", where, "")
            )
            for c in _tables(entry, "market_categories", where)
        ),
        listing_days=_number(entry, "listing_days", where, default=30),
        listings_live_max=_number(entry, "listings_live_max", where, default=10),
        listings_per_day=_number(entry, "listings_per_day", where, default=3),
        topics=tuple(
            Topic(_text(t, "code", where), _text(t, "name", where), _text(t, "short", where, ""))
            for t in _tables(entry, "topics", where)
        ),
        broadcast_approval=_flag(entry, "broadcast_approval", where),
        quiet_hours=_quiet_hours(entry, where),
        announcement_valid_days=_number(entry, "announcement_valid_days", where, default=7),
    )


def _flag(table: dict[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise SetupError(f"{where}: {key} must be true or false.")
    return value


_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def _quiet_hours(entry: dict[str, Any], where: str) -> QuietHours:
    """`quiet_hours = "21:00-06:00"` (the default), or "" for none."""
    value = entry.get("quiet_hours", "21:00-06:00")
    if value == "":
        return QuietHours("00:00", "00:00")
    if not isinstance(value, str) or not _QUIET.match(value.replace(" ", "")):
        raise SetupError(f'{where}: quiet_hours must look like "21:00-06:00" (or "" for none).')
    start, _sep, end = value.replace(" ", "").partition("-")
    return QuietHours(start, end)


def _regions(
    data: dict[str, Any], source: str, villages: list[VillageConfig]
) -> tuple[Region, ...]:
    """`[[regions]]`: a kecamatan's or kabupaten's admin chat and the villages it covers."""
    known = {v.code for v in villages}
    chats = {v.admin_chat_id for v in villages}
    regions = []
    for n, entry in enumerate(_tables(data, "regions", source), 1):
        where = f"{source}, region #{n}"
        chat = entry.get("admin_chat_id")
        if not isinstance(chat, int) or isinstance(chat, bool) or chat >= 0:
            raise SetupError(f"{where}: admin_chat_id must be the officials' Telegram group id.")
        codes = entry.get("villages")
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise SetupError(f"{where}: villages must list the codes of the villages it covers.")
        unknown = sorted(set(codes) - known)
        if unknown:
            raise SetupError(f"{where}: no village has the code {unknown[0]!r}.")
        if str(chat) in chats:
            raise SetupError(f"{where}: admin_chat_id {chat} is already another chat's.")
        chats.add(str(chat))
        regions.append(Region(_text(entry, "name", where), str(chat), tuple(codes)))
    return tuple(regions)


def _optional_id(entry: dict[str, Any], key: str, where: str) -> str | None:
    """A Meta id, written as text or a number in the TOML; None when not given."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).isdigit():
        raise SetupError(f"{where}: {key} must be the number's id from Meta, digits only.")
    return str(value)


def _category(table: dict[str, Any], where: str) -> ComplaintCategory:
    return ComplaintCategory(
        code=_text(table, "code", where),
        name=_text(table, "name", where),
        response_hours=_number(table, "response_hours", where, default=48),
        notice=_text(table, "notice", where, default=""),
        short=_text(table, "short", where, default=""),
    )


def _number(table: dict[str, Any], key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SetupError(f"{where}: {key} must be a whole number of at least 1.")
    return value


def _text(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise SetupError(f"{where}: {key} must be a non-empty text.")
    return value.strip()


def _tables(entry: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SetupError(f"{where}: {key} must be a list of tables ([[villages.{key}]]).")
    return value


# Notification purposes the flows give (Outbound.purpose), and the values each carries.
NOTIFICATION_PURPOSES = {
    "case_status": ("code", "status", "village"),
    "official_question": ("code", "question", "village"),
    "letter_ready": ("code", "letter", "status", "village"),
    "followup": ("code", "village"),
    "verified": ("village",),
    # An announcement (bot/broadcast.py): its kind ("⚠️ Penting"), code and text.
    "announcement": ("kind", "village", "code", "text"),
}


def load_whatsapp_templates(path: Path) -> dict[str, Template]:
    """The [whatsapp_templates.<purpose>] tables of the config file (none: an empty dict)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SetupError(f"The config file {path} is not valid TOML: {exc}.") from exc
    return parse_whatsapp_templates(data, str(path))


def parse_whatsapp_templates(data: dict[str, Any], source: str) -> dict[str, Template]:
    tables = data.get("whatsapp_templates", {})
    if not isinstance(tables, dict):
        raise SetupError(f"{source}: whatsapp_templates must be tables per notification purpose.")
    templates = {}
    for purpose, table in tables.items():
        where = f"{source}, whatsapp_templates.{purpose}"
        known = NOTIFICATION_PURPOSES.get(purpose)
        if known is None:
            names = ", ".join(NOTIFICATION_PURPOSES)
            raise SetupError(f"{where}: unknown purpose; the purposes are {names}.")
        if not isinstance(table, dict):
            raise SetupError(f"{where} must be a table with name, language and body.")
        body = table.get("body", [])
        if not isinstance(body, list) or not all(isinstance(v, str) for v in body):
            raise SetupError(f"{where}: body must be a list of value names, e.g. {list(known)}.")
        unknown = [v for v in body if v not in known]
        if unknown:
            raise SetupError(
                f"{where}: body names {', '.join(unknown)}; this purpose has {', '.join(known)}."
            )
        templates[purpose] = Template(
            name=_text(table, "name", where),
            language=_text(table, "language", where, default="id") or "id",
            body=tuple(body),
        )
    return templates
