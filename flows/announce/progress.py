"""The progress card in the admin chat: edited every few seconds while an announcement is
sent; its last edit is the final report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from flows.common.formatting import number, village_time
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.types import Reply
from storage.models import Announcement

Gettext = Callable[[str], str]
# BAHASA.md's broadcast statuses.
STATUSES = {
    "scheduled": N_("Scheduled"),
    "sending": N_("Being sent"),
    "paused": N_("Paused"),
    "stopped": N_("Stopped"),
    "done": N_("Finished"),
    "cancelled": N_("Cancelled"),
}
# Delivery statuses still on their way to the resident.
WAITING = ("pending", "queued", "held")


def progress_card(
    _: Gettext,
    village: VillageConfig,
    announcement: Announcement,
    counts: Mapping[str, int],
    finish: datetime | None,
    locale: str,
    resting_until: datetime | None = None,
) -> Reply:
    """Terkirim, menunggu, gagal, diblokir/tidak bisa dihubungi, dibaca, and the expected
    finish while it is still being sent (`finish`, None when not known); a Biasa one
    resting through the quiet hours says when it goes on (`resting_until`)."""

    def n(value: int) -> str:
        return number(value, locale)

    status = _(STATUSES.get(announcement.status, STATUSES["sending"]))
    lines = [
        _("📣 Announcement {code} · {status}").format(code=announcement.code, status=status),
        "",
        _("Sent: {n}").format(n=n(counts.get("sent", 0))),
        _("Waiting: {n}").format(n=n(sum(counts.get(s, 0) for s in WAITING))),
        _("Failed: {n}").format(n=n(counts.get("failed", 0) + counts.get("expired", 0))),
        _("Blocked / cannot be reached: {n}").format(n=n(counts.get("unreachable", 0))),
        _("Read: {n}").format(n=n(counts.get("read", 0))),
    ]
    if counts.get("skipped"):
        lines.append(_("Not sent (stopped): {n}").format(n=n(counts["skipped"])))
    if counts.get("held"):
        # "Selesai" with some still waiting would read as a contradiction without this.
        lines.append(
            _("{n} on WhatsApp get it if they write to Balai before {time}.").format(
                n=n(counts["held"]),
                time=village_time(announcement.expires_at, village, locale),
            )
        )
    if resting_until is not None:
        lines.append(
            _("🌙 Quiet hours: the rest goes on {time}.").format(
                time=village_time(resting_until, village, locale)
            )
        )
    if finish is not None and announcement.status == "sending":
        lines.append(
            _("Expected to finish: {time}").format(time=village_time(finish, village, locale))
        )
    return Reply("\n".join(lines))
