"""Is this report already known? An open one alike in words and place, to support instead."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz

from flows.cases.lifecycle import status_label
from flows.common.text import fold
from flows.complaints.card import COMPLAINT, ComplaintData
from flows.engine.context import Ctx
from storage import cases
from storage.models import Citizen

SIMILAR_DAYS = 30
SIMILAR_METRES = 250
SIMILAR_TEXT_SCORE = 70


async def find_similar(
    ctx: Ctx,
    citizen: Citizen,
    category: str,
    description: str,
    latitude: float | None,
    longitude: float | None,
) -> tuple[int, str] | None:
    """(case id, how to show it) of an open report in the same village and category,
    similar in words and, when both have a pin, within about 250 m; from the last 30 days.
    """
    candidates = await cases.in_status(
        ctx.session,
        sorted(COMPLAINT.open_statuses),
        village_id=citizen.village_id,
        kinds=[COMPLAINT.name],
        created_since=ctx.now() - timedelta(days=SIMILAR_DAYS),
    )
    for case in candidates:
        data = ComplaintData.of(case)
        if data.category != category or case.citizen_id == citizen.id:
            continue
        words = fuzz.token_set_ratio(fold(description), fold(data.description))
        if words < SIMILAR_TEXT_SCORE:
            continue
        if _far_apart((latitude, longitude), (data.latitude, data.longitude)):
            continue
        supporters = len(await cases.subscribers(ctx.session, case.id))
        text = ctx._("{code} · {status} · {people} reporting\n“{text}”").format(
            code=case.code,
            status=status_label(ctx, COMPLAINT, case.status),
            people=supporters,
            text=data.description[:200],
        )
        return case.id, text
    return None


def _far_apart(mine: tuple[float | None, float | None], theirs: tuple[Any, Any]) -> bool:
    """Only two map pins can be far apart; a typed landmark is compared by words alone."""
    (lat1, lon1), (lat2, lon2) = mine, theirs
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
        return False
    return metres_between((lat1, lon1), (float(lat2), float(lon2))) > SIMILAR_METRES


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); plenty precise at village scale."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))
