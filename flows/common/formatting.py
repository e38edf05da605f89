"""How Balai writes money, times, phone numbers and masked personal data (BAHASA.md)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal

from flows.common.villages import VillageConfig


def rupiah(amount: int, locale: str = "id") -> str:
    return format_currency(amount, "IDR", locale=locale, format="¤#,##0", currency_digits=False)


def number(amount: int, locale: str = "id") -> str:
    """`1.500` in Indonesian, `1,500` in English."""
    return format_decimal(amount, locale=locale)


def village_time(moment: datetime, village: VillageConfig, locale: str = "id") -> str:
    """`22 November 2026 11.00 WIB`, in the village's own zone."""
    pattern = "d MMMM y HH.mm" if locale == "id" else "d MMMM y HH:mm"
    local = format_datetime(moment, pattern, tzinfo=village.zone, locale=locale)
    return f"{local} {village.zone_abbreviation}"


def village_date(moment: datetime, village: VillageConfig, locale: str = "id") -> str:
    """`Senin, 7 Desember 2026`: the day in the village's own zone."""
    return format_datetime(moment, "EEEE, d MMMM y", tzinfo=village.zone, locale=locale)


def phone(e164: str) -> str:
    """`+6281234567890` -> `+62 812-3456-7890`."""
    national = e164.removeprefix("+62")
    return f"+62 {national[:3]}-{national[3:7]}-{national[7:]}"


def masked_phone(e164: str) -> str:
    """`+6281234567890` -> `+62 812-****-7890`: enough for officials to recognise it."""
    national = e164.removeprefix("+62")
    return f"+62 {national[:3]}-****-{national[-4:]}"


def masked_nik(nik: str) -> str:
    """`1804010101900002` -> `1804**********02`."""
    return nik[:4] + "*" * (len(nik) - 6) + nik[-2:]


def rt_rw(rt: str, rw: str) -> str:
    return f"{rt}/{rw}"
