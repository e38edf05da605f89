"""Which villages an admin chat may announce to: a village's own, or a region's."""

from __future__ import annotations

from dataclasses import dataclass

from flows.common.villages import Region, VillageConfig
from flows.engine.context import Ctx


@dataclass(frozen=True)
class Scope:
    """The villages this chat reaches; `region` is set for a region's chat."""

    villages: tuple[VillageConfig, ...]
    region: Region | None = None

    @property
    def name(self) -> str:
        if self.region is not None:
            return self.region.name
        return self.villages[0].name if self.villages else ""


def scope_of(ctx: Ctx) -> Scope | None:
    """None when the chat is neither a village's nor a region's admin chat."""
    villages = ctx.services.villages
    own = villages.by_admin_chat(ctx.msg.chat)
    if own is not None:
        return Scope((own,))
    region = villages.region_by_admin_chat(ctx.msg.chat)
    if region is None:
        return None
    found = tuple(v for code in region.villages if (v := villages.by_code(code)) is not None)
    return Scope(found, region) if found else None


def reaches(scope: Scope, village_ids: list[int], ids: dict[str, int]) -> bool:
    """Whether every village of an announcement is within this chat's reach."""
    mine = {ids.get(v.code) for v in scope.villages}
    return bool(village_ids) and all(i in mine for i in village_ids)
