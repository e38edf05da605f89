"""`balai export broadcasts`: a row per announcement, dusun and app with its counts; beside
it the residents it did not reach, or not yet (name, dusun, RT, masked phone; never the NIK), for
officials to visit in an emergency."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flows.announce.approval import STATUS_LABELS
from flows.announce.describe import KINDS_PLAIN, audience_plain
from flows.common.formatting import masked_phone, village_time
from flows.common.text import N_
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.catalog import Companion, Export
from flows.engine.context import Services
from storage import announcements

COLUMNS = (
    "code",
    "created",
    "send_at",
    "status",
    "kind",
    "topic",
    "audience",
    "author",
    "approver",
    "dusun",
    "channel",
    "recipients",
    "sent",
    "waiting",
    "failed",
    "unreachable",
    "read",
)
NOT_REACHED_COLUMNS = ("code", "name", "dusun", "rt", "rw", "channel", "phone", "status")
# Why a resident is on the list of those not reached, as officials read it.
NOT_REACHED_LABELS = {
    "unreachable": N_("unreachable (blocked the bot or left the app)"),
    "failed": N_("failed"),
    "expired": N_("expired before they wrote"),
    "held": N_("not yet: waits until they write (WhatsApp)"),
}
_WAITING = {"pending", "queued", "held"}
_FAILED = {"failed", "expired"}


async def broadcast_rows(
    services: Services, session: AsyncSession, village_code: str, since: datetime | None
) -> list[dict[str, str]]:
    """Per announcement: a row for each dusun and app it went to, after a row of its totals
    (dusun and channel empty); one total row of zeros before it starts."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = services.villages.by_code(village_code)
    village_id = services.village_ids[village_code]
    if village is None:
        return []
    found = []
    for item in await announcements.of_village(session, village_id):
        if since is not None and item.created_at < since:
            continue
        head = {
            "code": item.code,
            "created": village_time(item.created_at, village),
            "send_at": village_time(item.send_at, village),
            "status": _(STATUS_LABELS.get(item.status, item.status)),
            "kind": _(KINDS_PLAIN.get(item.kind, item.kind)),
            "topic": item.topic,
            "audience": audience_plain(item),
            "author": item.author_name,
            "approver": item.approver_name or "",
        }
        groups: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for dusun, channel, status, n, read in await announcements.counts_by(session, item.id):
            for key in ((dusun, channel), ("", "")):
                counts = groups[key]
                counts["recipients"] += n
                counts["read"] += read
                bucket = (
                    "sent"
                    if status == "sent"
                    else "waiting"
                    if status in _WAITING
                    else "failed"
                    if status in _FAILED
                    else "unreachable"
                    if status == "unreachable"
                    else ""
                )
                if bucket:
                    counts[bucket] += n
        groups.setdefault(("", ""), defaultdict(int))
        for (dusun, channel), counts in sorted(groups.items()):
            found.append(
                head
                | {"dusun": dusun, "channel": channel}
                | {c: str(counts[c]) for c in COLUMNS[11:]}
            )
    return found


async def not_reached_rows(
    services: Services, session: AsyncSession, village_code: str, since: datetime | None
) -> list[dict[str, str]]:
    """Each resident of the village an announcement did not reach (yet)."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village_id = services.village_ids[village_code]
    found = []
    for item in await announcements.of_village(session, village_id):
        if since is not None and item.created_at < since:
            continue
        for delivery, citizen in await announcements.not_reached(session, item.id):
            if citizen.village_id != village_id:
                continue  # a region's announcement: another village's resident
            found.append(
                {
                    "code": item.code,
                    "name": citizen.full_name or "",
                    "dusun": citizen.dusun or delivery.dusun,
                    "rt": citizen.rt or "",
                    "rw": citizen.rw or "",
                    "channel": delivery.channel,
                    "phone": masked_phone(citizen.phone) if citizen.phone else "",
                    "status": _(NOT_REACHED_LABELS.get(delivery.status, delivery.status)),
                }
            )
    return found


EXPORT = Export(
    "broadcasts",
    "announcement row",
    "",
    COLUMNS,
    rows=broadcast_rows,
    companion=Companion("tidak-terjangkau", NOT_REACHED_COLUMNS, not_reached_rows),
)
