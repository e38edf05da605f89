"""A village's settings as flows see them (parsed from the config file by `bot.config`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flows.common.letter_types import LetterType

# Indonesia's three zones and the abbreviations everyone there uses.
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str


@dataclass(frozen=True)
class OfficeHours:
    days: str
    hours: str


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str


@dataclass(frozen=True)
class ComplaintCategory:
    code: str
    name: str
    response_hours: int
    # Shown before the report goes on, e.g. emergency numbers for security.
    notice: str = ""
    # The button's label when the name is longer than a button allows (20 characters).
    short: str = ""


@dataclass(frozen=True)
class MarketCategory:
    """A Lapak Desa category: its stored code, its name, a label that fits a button."""

    code: str
    name: str
    short: str = ""


@dataclass(frozen=True)
class Topic:
    """An announcement topic residents may subscribe to: its stored code, name, button label."""

    code: str
    name: str
    short: str = ""


@dataclass(frozen=True)
class QuietHours:
    """When ordinary announcements wait for morning, as "HH:MM" in the village's zone."""

    start: str = "21:00"
    end: str = "06:00"


@dataclass(frozen=True)
class Region:
    """A kecamatan- or kabupaten-level admin chat whose officials announce to its villages."""

    name: str
    admin_chat_id: str
    villages: tuple[str, ...]  # village codes


@dataclass(frozen=True)
class VillageConfig:
    code: str
    name: str
    kecamatan: str
    kabupaten: str
    timezone: str
    admin_chat_id: str
    dusun: tuple[str, ...]
    address: str
    phone: str
    office_hours: tuple[OfficeHours, ...]
    contacts: tuple[Contact, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    complaint_categories: tuple[ComplaintCategory, ...] = ()
    # Days after a complaint is done before the reporter is asked whether it really is.
    followup_days: int = 3
    # Named in escalations; defaults to the contact whose role is Kepala Desa.
    head_name: str = ""
    # A forum topic of the admin group for cases, when the group uses topics.
    admin_topic_id: int | None = None
    # The letters this village issues (the deployment's catalogue, adjusted per village).
    letters: tuple[LetterType, ...] = ()
    # The village's own WhatsApp number (its Cloud API phone number id), if it has one.
    whatsapp_phone_number_id: str | None = None
    # Lapak Desa: its categories (empty: the defaults), how long a listing stays, and the
    # limits against spam (live listings per seller, new listings per seller a day).
    market_categories: tuple[MarketCategory, ...] = ()
    listing_days: int = 30
    listings_live_max: int = 10
    listings_per_day: int = 3
    # Pengumuman: topics (empty: the defaults), whether a second official must approve
    # each announcement, quiet hours, and how long one waits for a resident who can only
    # be reached once they write again (WhatsApp outside its window).
    topics: tuple[Topic, ...] = ()
    broadcast_approval: bool = False
    quiet_hours: QuietHours = QuietHours()
    announcement_valid_days: int = 7

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_abbreviation(self) -> str:
        return ZONE_ABBREVIATIONS[self.timezone]


class Villages:
    """The deployment's villages, looked up by code or by admin chat."""

    def __init__(self, villages: list[VillageConfig], regions: tuple[Region, ...] = ()) -> None:
        self._by_code = {v.code: v for v in villages}
        self._by_admin_chat = {v.admin_chat_id: v for v in villages}
        self.regions = regions
        self._regions_by_chat = {r.admin_chat_id: r for r in regions}

    def __iter__(self) -> Iterator[VillageConfig]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def all(self) -> list[VillageConfig]:
        return list(self._by_code.values())

    def by_code(self, code: str) -> VillageConfig | None:
        return self._by_code.get(code)

    def by_admin_chat(self, chat_id: str) -> VillageConfig | None:
        return self._by_admin_chat.get(chat_id)

    def region_by_admin_chat(self, chat_id: str) -> Region | None:
        return self._regions_by_chat.get(chat_id)

    def only(self) -> VillageConfig | None:
        """The single village of a one-village deployment, else None."""
        return next(iter(self._by_code.values())) if len(self._by_code) == 1 else None
