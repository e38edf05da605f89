"""Announcement topics: the village's list (or the defaults), and what new residents take."""

from __future__ import annotations

from flows.common.villages import Topic, VillageConfig

EMERGENCY = "darurat"
DEFAULT_TOPICS = (
    Topic("umum", "Umum"),
    Topic("kesehatan", "Kesehatan & Posyandu", "Kesehatan"),
    Topic("pertanian", "Pertanian"),
    Topic("bansos", "Bantuan Sosial"),
    Topic("lapak", "Lapak Desa"),
    Topic(EMERGENCY, "Darurat"),
)
# What a new resident is subscribed to (Darurat reaches everyone anyway, opted out or not).
NEW_RESIDENT_TOPICS = ("umum", EMERGENCY)


def topics(village: VillageConfig) -> tuple[Topic, ...]:
    """The village's topics; Darurat is always among them."""
    chosen = village.topics or DEFAULT_TOPICS
    if any(t.code == EMERGENCY for t in chosen):
        return chosen
    return (*chosen, Topic(EMERGENCY, "Darurat"))


def topic_name(village: VillageConfig, code: str) -> str:
    return next((t.name for t in topics(village) if t.code == code), code)
