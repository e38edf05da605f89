"""How an announcement reads to officials: where, to whom, what kind, when, and its text."""

from __future__ import annotations

from flows.announce.message import KINDS, NORMAL
from flows.announce.topics import EMERGENCY, topic_name
from flows.common.formatting import village_time
from flows.common.text import N_
from flows.common.villages import VillageConfig
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from storage.models import Announcement


def villages_of(ctx: Ctx, announcement: Announcement) -> list[VillageConfig]:
    found = (ctx.services.village_by_id(i) for i in announcement.village_ids)
    return [v for v in found if v is not None]


def audience_text(ctx: Ctx, announcement: Announcement) -> str:
    _ = admin_gettext(ctx)
    villages = villages_of(ctx, announcement)
    dusun = announcement.audience.get("dusun") or []
    rt = announcement.audience.get("rt") or []
    if rt:
        rts = ", ".join(r.lstrip("0") or "0" for r in rt)
        who = _("RT {rts} in Dusun {dusun}").format(rts=rts, dusun=", ".join(dusun))
    elif dusun:
        who = _("Dusun {names}").format(names=", ".join(dusun))
    else:
        who = _("All residents")
    if announcement.topic not in ("umum", EMERGENCY) and villages:
        topic = topic_name(villages[0], announcement.topic)
        who += " · " + _("Subscribers of {topic}").format(topic=topic)
    names = ", ".join(v.name for v in villages)
    return f"{who} ({_('Desa {names}').format(names=names)})"


async def describe(ctx: Ctx, announcement: Announcement) -> list[str]:
    _ = admin_gettext(ctx)
    villages = villages_of(ctx, announcement)
    when = village_time(announcement.send_at, villages[0]) if villages else ""
    text = announcement.text if len(announcement.text) <= 200 else announcement.text[:199] + "…"
    return [
        _("Recipients: {who}").format(who=audience_text(ctx, announcement)),
        _("Kind: {kind}").format(kind=_(KINDS.get(announcement.kind, KINDS[NORMAL]))),
        _("Sends: {when}").format(when=when),
        "",
        text,
    ]


# The kinds as officials' records name them (no emoji).
KINDS_PLAIN = {"normal": N_("Normal"), "important": N_("Important"), "emergency": N_("Emergency")}


def audience_plain(announcement: Announcement) -> str:
    """Who, in a record's words: "semua", "dusun: A; B", "dusun: A; rt: 001, 003"."""
    dusun = announcement.audience.get("dusun") or []
    rt = announcement.audience.get("rt") or []
    if not dusun:
        return "semua"
    text = "dusun: " + "; ".join(dusun)
    return text + ("; rt: " + ", ".join(rt) if rt else "")
