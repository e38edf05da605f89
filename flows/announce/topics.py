"""Announcement topics: the village's list (or the defaults), and what new residents take."""

from __future__ import annotations

from flows.common.villages import Topic, VillageConfig

EMERGENCY = "darurat"
# What "Seluruh desa" reaches when the announcement is Biasa or Penting.
GENERAL = "umum"
DEFAULT_TOPICS = (
    Topic(GENERAL, "Umum"),
    Topic("kesehatan", "Kesehatan & Posyandu", "Kesehatan"),
    Topic("pertanian", "Pertanian"),
    Topic("bansos", "Bantuan Sosial"),
    Topic("lapak", "Lapak Desa"),
    Topic(EMERGENCY, "Darurat"),
)
# What a new resident is subscribed to (Darurat reaches everyone anyway, opted out or not).
NEW_RESIDENT_TOPICS = (GENERAL, EMERGENCY)


def topics(village: VillageConfig) -> tuple[Topic, ...]:
    """The village's topics. Umum and Darurat are always among them: without Umum, a
    village's own list would leave "Seluruh desa" reaching nobody."""
    chosen = village.topics or DEFAULT_TOPICS
    codes = {t.code for t in chosen}
    first = () if GENERAL in codes else (Topic(GENERAL, "Umum"),)
    last = () if EMERGENCY in codes else (Topic(EMERGENCY, "Darurat"),)
    return (*first, *chosen, *last)


def topic_name(village: VillageConfig, code: str) -> str:
    return next((t.name for t in topics(village) if t.code == code), code)
