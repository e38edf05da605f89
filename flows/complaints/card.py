"""Pengaduan: the complaint case kind and its card in the officials' admin chat."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.cases import card as case_card
from flows.cases.card import Gettext, age_text, unreachable, village_of, who_acted
from flows.cases.lifecycle import CaseKind
from flows.common.formatting import masked_phone, village_time
from flows.common.text import N_
from flows.complaints.categories import category_of
from flows.engine.admin import ADMIN_LOCALE
from flows.engine.context import Ctx, Services
from flows.engine.types import Button, ButtonRows, Expect, Media, MediaKind, Reply
from storage import cases
from storage.models import Case, Citizen

NEW, IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE = (
    "new",
    "in_progress",
    "awaiting_reporter",
    "done",
    "rejected",
    "duplicate",
)
COMPLAINT = CaseKind(
    name="complaint",
    prefix="ADU",
    labels={
        NEW: N_("New"),
        IN_PROGRESS: N_("In progress"),
        AWAITING: N_("Waiting for the reporter"),
        DONE: N_("Done"),
        REJECTED: N_("Rejected"),
        DUPLICATE: N_("Duplicate"),
    },
    transitions={
        NEW: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        IN_PROGRESS: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        AWAITING: frozenset({IN_PROGRESS, AWAITING, DONE, REJECTED, DUPLICATE}),
        DONE: frozenset({IN_PROGRESS}),  # the reporter says it is not fixed after all
    },
    open_statuses=frozenset({NEW, IN_PROGRESS, AWAITING}),
    initial=NEW,
)
TAKE, ASK, RESOLVE, REJECT, DUP = "take", "ask", "done", "reject", "dup"
# How the case history reads to officials.
ACTION_LABELS = {
    "created": N_("sent by the reporter"),
    TAKE: N_("taken"),
    ASK: N_("question sent to the reporter"),
    "answered": N_("the reporter answered"),
    "answer": N_("answer from the reporter"),
    "info": N_("information added"),
    "supported": N_("another resident supports it"),
    RESOLVE: N_("marked done"),
    REJECT: N_("rejected"),
    DUP: N_("marked as a duplicate"),
    "reopened": N_("reopened by the reporter"),
    "reopen": N_("reporter says it is not fixed"),
    "followup_yes": N_("reporter confirmed it is fixed"),
    "followup_no": N_("reporter says it is not fixed"),
    "followup_unknown": N_("reporter does not know if it is fixed"),
    "rated": N_("rated by the reporter"),
}


# --- the card -----------------------------------------------------------------------------
async def render_card(
    services: Services, session: AsyncSession, case: Case, note: str = ""
) -> Reply:
    """The admin chat's card: what, where, how old, who (unless confidential), buttons."""
    _ = services.translations(ADMIN_LOCALE).gettext
    village = village_of(services, case)
    data = case.data
    category = category_of(village, data.get("category", ""))
    place = data.get("landmark") or _("📍 map pin (above)")
    if data.get("dusun"):
        place = f"{place} · {data['dusun']}"
    lines = [
        f"📢 {case.code} · {_(category.name)}",
        _("Status: {status}").format(status=_(COMPLAINT.labels[case.status])),
        "",
        data.get("description") or _("🎤 Voice note (above)"),
        "",
        _("Where: {place}").format(place=place),
        _("Sent: {when} ({age} ago)").format(
            when=village_time(case.created_at, village),
            age=age_text(_, services.clock() - case.created_at),
        ),
        _("Residents reporting this: {n}").format(n=len(await cases.subscribers(session, case.id))),
    ]
    lines += await _reporter_lines(_, session, case)
    lines += await who_acted(_, session, case, village, ACTION_LABELS, N_("reporter"))
    if note:
        lines += ["", note]
    buttons = _card_buttons(_, case)
    return Reply(
        "\n".join(lines),
        buttons,
        Expect.CHOICE if buttons else Expect.NOTHING,
        replace_origin=True,
        media=_media(data),
    )


async def _reporter_lines(_: Gettext, session: AsyncSession, case: Case) -> list[str]:
    lines = []
    if case.confidential:
        lines.append(_("🔒 The reporter asked to stay anonymous."))
    else:
        reporter = await session.get(Citizen, case.citizen_id) if case.citizen_id else None
        if reporter is not None and reporter.full_name:
            lines.append(
                _("Reporter: {name}, {phone}").format(
                    name=reporter.full_name, phone=masked_phone(reporter.phone or "")
                )
            )
    if case.citizen_id is not None and await unreachable(session, case.citizen_id):
        lines.append(_("⚠️ The reporter has blocked the bot and cannot get messages."))
    return lines


def _media(data: dict[str, object]) -> tuple[Media, ...]:
    photos = data.get("photos") or []
    media = tuple(Media(MediaKind.PHOTO, str(p)) for p in photos)  # type: ignore[attr-defined]
    if data.get("voice"):
        media += (Media(MediaKind.VOICE, str(data["voice"])),)
    if data.get("latitude") is not None:
        media += (Media(MediaKind.LOCATION, f"{data['latitude']},{data['longitude']}"),)
    return media


def _card_buttons(_: Gettext, case: Case) -> ButtonRows:
    if case.status not in COMPLAINT.open_statuses:
        return ()

    def button(label: str, action: str) -> Button:
        return Button(label, f"c:{action}:{case.id}:{case.version}")

    return (
        (button(_("🛠️ Take"), TAKE), button(_("❓ Ask reporter"), ASK)),
        (
            button(_("✅ Done"), RESOLVE),
            button(_("⛔ Reject"), REJECT),
            button(_("🔁 Duplicate"), DUP),
        ),
    )


async def post_card(ctx: Ctx, case: Case) -> None:
    case_card.post_card(ctx, case, await render_card(ctx.services, ctx.session, case))


async def refresh_card(ctx: Ctx, case: Case, note: str = "") -> None:
    case_card.replace_card(ctx, case, await render_card(ctx.services, ctx.session, case, note))
