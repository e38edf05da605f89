"""An announcement as a resident receives it; the officials' preview shows exactly this."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flows.common.formatting import village_date
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.types import Button, Expect, Media, MediaKind, Reply, rows
from storage import statuses
from storage.models import Announcement

Gettext = Callable[[str], str]
NORMAL, IMPORTANT = statuses.ANNOUNCEMENT_NORMAL, statuses.ANNOUNCEMENT_IMPORTANT
EMERGENCY = statuses.ANNOUNCEMENT_EMERGENCY
KINDS = {
    NORMAL: N_("📢 Announcement"),
    IMPORTANT: N_("⚠️ Important"),
    EMERGENCY: N_("🚨 Emergency"),
}
# The resident's buttons: "pgm:read:<announcement id>", "pgm:stop:<topic>".
PREFIX = "pgm"


def resident_message(
    _: Gettext, village: VillageConfig, announcement: Announcement, sent: datetime, locale: str
) -> Reply:
    """Kind, village and date above the officials' text; ✅ Sudah saya baca for Penting and
    Darurat; 🔕 to stop the topic (not for Darurat, which no one can opt out of)."""
    heading = _("{kind} · Desa {village} · {date}").format(
        kind=_(KINDS.get(announcement.kind, KINDS[NORMAL])),
        village=village.name,
        date=village_date(sent, village, locale),
    )
    buttons = []
    if announcement.kind in (IMPORTANT, EMERGENCY):
        buttons.append(Button(_("✅ I have read it"), f"{PREFIX}:read:{announcement.id}"))
    if announcement.kind != EMERGENCY:
        buttons.append(Button(_("🔕 Stop this topic"), f"{PREFIX}:stop:{announcement.topic}"))
    media: tuple[Media, ...] = ()
    if announcement.media_ref is not None and announcement.media_kind is not None:
        media = (Media(MediaKind(announcement.media_kind), announcement.media_ref),)
    text = f"{heading}\n\n{announcement.text}"
    expects = Expect.CHOICE if buttons else Expect.NOTHING
    return Reply(text, rows(*buttons, per_row=1), expects, media=media)
