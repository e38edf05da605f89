"""The officials' questions for an announcement, what it says and when: the text (or a
photo or file with it as the caption), its kind and the time; and `ComposeStep`, what every
compose step shares. Who receives it is asked in `compose_recipients.py`.
"""

from __future__ import annotations

from abc import abstractmethod

from flows.announce.compose_form import ComposeForm, first_village, refresh_reach, send_time
from flows.announce.message import EMERGENCY as EMERGENCY_KIND
from flows.announce.message import IMPORTANT, NORMAL
from flows.announce.when import NotATime, parse_when
from flows.common.formatting import village_time
from flows.common.text import N_, clean
from flows.common.validation import Invalid, too_long
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Onward, Question, Stay, Step
from flows.engine.types import Button, Expect, Kind, MediaKind

TEXT_MAX = 3000
# A caption under a photo or file: Telegram's and WhatsApp's 1,024 less room for the
# heading residents see above it (kind, village, date), so photo and text stay one message.
CAPTION_MAX = 900
NOW, LATER = "now", "later"


class ComposeStep(Step[ComposeForm]):
    """A compose step; an accepted answer that changes who receives it refreshes the
    preview's counts (one audience query, not run for the text or the time)."""

    # Whether the answer to this step changes who receives the announcement.
    decides_audience = True

    async def take(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        outcome = await self.accept(ctx, form, answer)
        if self.decides_audience and not isinstance(outcome, Invalid):
            await refresh_reach(ctx, form)
        return outcome

    @abstractmethod
    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        """Take the answer into the form (what `take` is for other steps)."""


class TextStep(ComposeStep):
    """The announcement's words, or a photo or PDF with them as its caption."""

    name = "ann_text"
    decides_audience = False

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        text = _(
            "Type the announcement, or send a photo or a PDF file with the announcement as its "
            "caption. Reply to this message."
        )
        return Question(text, expects=Expect.TEXT)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        text = clean(answer.text)
        if answer.kind in (Kind.PHOTO, Kind.DOCUMENT) and answer.media_id:
            problem = too_long(text, CAPTION_MAX, _, ADMIN_LOCALE)
            if problem is not None:
                return problem
            if not text:
                return Invalid(
                    _("Please send the file again with the announcement as its caption.")
                )
            form.text, form.media_id = text, answer.media_id
            form.media_kind = MediaKind.PHOTO if answer.kind is Kind.PHOTO else MediaKind.DOCUMENT
            return None
        if answer.kind is not Kind.TEXT or not text:
            return Invalid(
                _("Please send the announcement as text, or a photo or PDF with a caption.")
            )
        problem = too_long(text, TEXT_MAX, _, ADMIN_LOCALE)
        if problem is not None:
            return problem
        form.text, form.media_id, form.media_kind = text, "", ""
        return None

    def summary(self, ctx: Ctx, form: ComposeForm) -> tuple[str, str]:
        _ = admin_gettext(ctx)
        shown = form.text if len(form.text) <= 60 else form.text[:59] + "…"
        if form.media_kind:
            shown = ("🖼️ " if form.media_kind == MediaKind.PHOTO else "📄 ") + shown
        return _("Text"), shown


KIND_BUTTONS = {
    NORMAL: N_("📢 Normal"),
    IMPORTANT: N_("⚠️ Important"),
    EMERGENCY_KIND: N_("🚨 Emergency"),
}


class KindStep(ComposeStep):
    """Biasa, Penting or Darurat (Darurat goes to everyone, topics or not)."""

    name = "ann_kind"

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        options = tuple(Button(_(label), code) for code, label in KIND_BUTTONS.items())
        text = _(
            "What kind of announcement is it? ⚠️ Important and 🚨 Emergency are sent even at "
            "night; 🚨 Emergency reaches every resident, whatever topics they chose."
        )
        return Question(text, options, Expect.CHOICE, per_row=3)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        if answer.kind is not Kind.CHOICE or answer.choice not in KIND_BUTTONS:
            _ = admin_gettext(ctx)
            return Invalid(_("Please tap one of the buttons below."))
        form.kind = answer.choice
        return None

    def summary(self, ctx: Ctx, form: ComposeForm) -> tuple[str, str]:
        _ = admin_gettext(ctx)
        return _("Kind"), _(KIND_BUTTONS.get(form.kind, KIND_BUTTONS[NORMAL]))


class WhenStep(ComposeStep):
    """Now, or a date and time in the village's zone; never the past.

    Two buttons first: in a Telegram group a question waiting for typed words is sent
    as a reply prompt, which cannot carry ⚡ Now, so the date is asked for after
    🗓️ Another time (or after a typed time that could not be used)."""

    name = "ann_when"
    decides_audience = False

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        village = first_village(ctx, form)
        zone = village.zone_abbreviation if village else ""
        now = Button(_("⚡ Now"), NOW)
        if not form.typing_time:
            text = _(
                "When should it be sent? Tap ⚡ Now, or 🗓️ Another time to give a date and "
                "time ({zone})."
            ).format(zone=zone)
            later = Button(_("🗓️ Another time"), LATER)
            return Question(text, (now, later), Expect.CHOICE, per_row=2)
        text = _(
            'Reply with the date and time ({zone}), e.g. "besok 07.00", "12/12 08.00" or '
            '"12 Desember 2026 08.00"; or reply "sekarang".'
        ).format(zone=zone)
        return Question(text, (now,), Expect.TEXT)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        if answer.kind is Kind.CHOICE and answer.choice == LATER:
            form.typing_time = True
            return Stay()
        if answer.kind is Kind.CHOICE and answer.choice == NOW:
            form.send_at, form.typing_time = "", False
            return None
        village = first_village(ctx, form)
        if answer.kind is not Kind.TEXT or village is None:
            return Invalid(_("Please tap ⚡ Now, or type a date and time."))
        # Whatever was typed, a time is typed next: asked for so that a group can answer.
        form.typing_time = True
        try:
            moment = parse_when(answer.text, ctx.now(), village.zone)
        except NotATime:
            return Invalid(
                _(
                    "I could not read that as a date and time. Please type it like "
                    '"besok 07.00" or "12/12 08.00".'
                )
            )
        if moment is not None and moment <= ctx.now():
            return Invalid(
                _("{when} has already passed. Please give a later time.").format(
                    when=village_time(moment, village)
                )
            )
        form.send_at = moment.isoformat() if moment is not None else ""
        form.typing_time = False
        return None

    def summary(self, ctx: Ctx, form: ComposeForm) -> tuple[str, str]:
        _ = admin_gettext(ctx)
        return _("When"), when_text(ctx, form)


def when_text(ctx: Ctx, form: ComposeForm) -> str:
    _ = admin_gettext(ctx)
    moment = send_time(form)
    village = first_village(ctx, form)
    if moment is None or village is None:
        return _("Now")
    return village_time(moment, village)
