"""An announcement being written: the form, and what it says about who receives it and when.

A region's admin chat picks some or all of its villages; a village's chat always announces
to its own village alone: the villages are taken from the chat again when the announcement
is made, never from the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows.announce.message import EMERGENCY as EMERGENCY_KIND
from flows.announce.scope import scope_of
from flows.announce.topics import EMERGENCY, GENERAL
from flows.common.villages import VillageConfig
from flows.engine.context import Ctx
from storage.audience import Audience, reach

EVERYONE, DUSUN, RT, TOPIC = "all", "dusun", "rt", "topic"
DEFAULT_TOPIC = GENERAL


@dataclass
class ComposeForm:
    """An announcement being written; `chat` ties it to the admin chat it began in."""

    chat: str = ""
    villages: list[str] = field(default_factory=list)
    text: str = ""
    media_id: str = ""
    media_kind: str = ""
    target: str = ""
    dusun: list[str] = field(default_factory=list)
    rt: list[str] = field(default_factory=list)
    # The RTs residents of the chosen dusun live in, offered as buttons.
    rt_options: list[str] = field(default_factory=list)
    topic: str = DEFAULT_TOPIC
    kind: str = ""
    # ISO time (UTC); empty for "now".
    send_at: str = ""
    # 🗓️ Another time was tapped (or a time typed): the date and time are asked for.
    typing_time: bool = False
    # The preview's counts, refreshed whenever an answer changes who receives it.
    by_channel: dict[str, int] = field(default_factory=dict)
    unreachable: int = 0


def chosen_villages(ctx: Ctx, form: ComposeForm) -> list[VillageConfig]:
    scope = scope_of(ctx)
    if scope is None:
        return []
    picked = [v for v in scope.villages if v.code in form.villages]
    return picked if scope.region is not None else list(scope.villages)


def first_village(ctx: Ctx, form: ComposeForm) -> VillageConfig | None:
    """The village whose name, zone and topics the preview uses (a region's first pick)."""
    found = chosen_villages(ctx, form)
    return found[0] if found else None


def one_village(ctx: Ctx, form: ComposeForm) -> VillageConfig | None:
    found = chosen_villages(ctx, form)
    return found[0] if len(found) == 1 else None


def audience_of(ctx: Ctx, form: ComposeForm) -> Audience:
    ids = tuple(ctx.services.village_ids[v.code] for v in chosen_villages(ctx, form))
    emergency = form.kind == EMERGENCY_KIND
    dusun = tuple(form.dusun) if form.target in (DUSUN, RT) else ()
    rt = tuple(form.rt) if form.target == RT else ()
    # Biasa and Penting reach the topic's subscribers (Umum unless a topic was chosen),
    # so a resident who stopped a topic is not reached by it; Darurat reaches everyone.
    everyone = emergency
    topic = EMERGENCY if emergency else (form.topic if form.target == TOPIC else DEFAULT_TOPIC)
    return Audience(ids, topic, dusun, rt, everyone=everyone)


def send_time(form: ComposeForm) -> datetime | None:
    return datetime.fromisoformat(form.send_at) if form.send_at else None


async def refresh_reach(ctx: Ctx, form: ComposeForm) -> None:
    found = await reach(ctx.session, audience_of(ctx, form))
    form.by_channel, form.unreachable = found.by_channel, found.unreachable
