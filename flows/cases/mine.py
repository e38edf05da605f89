"""A resident's own cases of one kind, newest first: "📄 Surat saya", "📋 Pengaduan saya"."""

from __future__ import annotations

from collections.abc import Callable

from flows.cases.lifecycle import CaseKind
from flows.common.formatting import village_time
from flows.engine.context import Ctx
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Reply, rows
from storage import cases
from storage.models import Case

SHOWN = 10


async def my_cases(
    ctx: Ctx,
    kind: CaseKind,
    *,
    title: str,
    empty: str,
    view_prefix: str,
    subject: Callable[[Case], str] | None = None,
) -> list[Reply]:
    """The person's cases of `kind` (as reporter or supporter) with status and date; each
    with a 🔎 button carrying `view_prefix` and the case id."""
    village = ctx.village
    if ctx.citizen is None:
        return [main_menu(ctx)]
    found = await cases.of_citizen(ctx.session, ctx.citizen.id, kind.name)
    if not found:
        return [main_menu(ctx, empty)]
    lines, buttons = [title, ""], []
    for case in found[:SHOWN]:
        parts = [case.code, *([subject(case)] if subject else ())]
        parts.append(ctx._(kind.labels.get(case.status, case.status)))
        if village is not None:  # None when the village has left the config
            parts.append(village_time(case.created_at, village, ctx.locale))
        lines.append("• " + " · ".join(parts))
        buttons.append(Button(f"🔎 {case.code}", f"{view_prefix}{case.id}"))
    buttons.append(Button(ctx._("🏠 Main menu"), "menu:menu"))
    return [Reply("\n".join(lines), rows(*buttons, per_row=2), Expect.CHOICE)]
