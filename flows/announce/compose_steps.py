"""The officials' questions for an announcement: what each step asks, takes and shows on
the summary (villages for a region, text, recipients, dusun, RT, topic, kind, when).

Dusun and RT are offered only when one village is picked (dusun names are a village's own).
"""

from __future__ import annotations

from abc import abstractmethod

from flows.announce.compose_form import (
    DEFAULT_TOPIC,
    DUSUN,
    EVERYONE,
    RT,
    TOPIC,
    ComposeForm,
    chosen_villages,
    first_village,
    one_village,
    refresh_reach,
    send_time,
)
from flows.announce.message import EMERGENCY as EMERGENCY_KIND
from flows.announce.message import IMPORTANT, NORMAL
from flows.announce.scope import scope_of
from flows.announce.topics import EMERGENCY, topic_name, topics
from flows.announce.when import NotATime, parse_when
from flows.common.formatting import village_time
from flows.common.text import N_, clean, fit_label
from flows.common.validation import Invalid, too_long
from flows.engine.admin import ADMIN_LOCALE, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Onward, Question, Stay, Step
from flows.engine.types import Button, Expect, Kind, MediaKind
from storage.announcements import rts_in
from storage.audience import rts_of

TEXT_MAX = 3000
# A caption under a photo or file: Telegram's limit.
CAPTION_MAX = 1024
NEXT = "next"
NOW, LATER = "now", "later"
# More RTs than this in one dusun are typed (a screen of buttons is enough).
RT_BUTTONS = 15


class _Step(Step[ComposeForm]):
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


def _tick(label: str, on: bool) -> str:
    return ("✅ " if on else "▫️ ") + label


class VillagesStep(_Step):
    """A region's chat: tick the villages (all by default)."""

    name = "ann_villages"

    def applies(self, ctx: Ctx, form: ComposeForm) -> bool:
        scope = scope_of(ctx)
        return scope is not None and scope.region is not None

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        scope = scope_of(ctx)
        villages = scope.villages if scope else ()
        options = [
            Button(_tick(fit_label(v.name, 17), v.code in form.villages), v.code) for v in villages
        ]
        options.append(Button(_("➡️ Next"), NEXT))
        text = _("Which villages is it for? Tap to tick or untick, then ➡️ Next.")
        return Question(text, tuple(options), Expect.CHOICE, per_row=2)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        scope = scope_of(ctx)
        codes = [v.code for v in scope.villages] if scope else []
        if answer.kind is Kind.CHOICE and answer.choice == NEXT:
            return None if form.villages else Invalid(_("Tick at least one village first."))
        if answer.kind is Kind.CHOICE and answer.choice in codes:
            if answer.choice in form.villages:
                form.villages.remove(answer.choice)
            else:
                form.villages.append(answer.choice)
            form.villages.sort(key=codes.index)
            if len(form.villages) != 1 and form.target in (DUSUN, RT):
                form.target, form.dusun, form.rt = EVERYONE, [], []
            return Stay(in_place=True)
        return Invalid(_("Please tap the buttons below."))

    def summary(self, ctx: Ctx, form: ComposeForm) -> tuple[str, str]:
        _ = admin_gettext(ctx)
        names = ", ".join(v.name for v in chosen_villages(ctx, form))
        return _("Villages"), names


class TextStep(_Step):
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


class TargetStep(_Step):
    """Who receives it: everyone, some dusun, RTs of one dusun, a topic's subscribers."""

    name = "ann_target"

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        options = [Button(_("🏘️ Whole village"), EVERYONE)]
        village = one_village(ctx, form)
        if village is not None and village.dusun:
            options += [Button(_("📍 Choose dusun"), DUSUN), Button(_("🔢 RT in a dusun"), RT)]
        options.append(Button(_("🏷️ Topic subscribers"), TOPIC))
        text = _("Who should receive it?")
        return Question(text, tuple(options), Expect.CHOICE, per_row=2)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        allowed = {EVERYONE, TOPIC}
        if one_village(ctx, form) is not None:
            allowed |= {DUSUN, RT}
        if answer.kind is not Kind.CHOICE or answer.choice not in allowed:
            return Invalid(_("Please tap one of the buttons below."))
        changed = answer.choice != form.target
        if changed:
            form.dusun, form.rt = [], []
        form.target = answer.choice
        if form.target != TOPIC:
            form.topic = DEFAULT_TOPIC
        # Changed from the summary to dusun, RT or a topic: those questions follow.
        return Onward() if changed and form.target != EVERYONE else None

    def summary(self, ctx: Ctx, form: ComposeForm) -> tuple[str, str]:
        _ = admin_gettext(ctx)
        return _("Recipients"), who_text(ctx, form)


def who_text(ctx: Ctx, form: ComposeForm) -> str:
    _ = admin_gettext(ctx)
    if form.target == DUSUN:
        return _("Dusun {names}").format(names=", ".join(form.dusun))
    if form.target == RT:
        rts = ", ".join(r.lstrip("0") or "0" for r in form.rt)
        return _("RT {rts} in Dusun {dusun}").format(rts=rts, dusun=", ".join(form.dusun))
    if form.target == TOPIC:
        village = first_village(ctx, form)
        name = topic_name(village, form.topic) if village else form.topic
        return _("Subscribers of {topic}").format(topic=name)
    return _("All residents")


class DusunStep(_Step):
    """Tick several dusun; for RTs, the one dusun they are in."""

    name = "ann_dusun"

    def applies(self, ctx: Ctx, form: ComposeForm) -> bool:
        return form.target in (DUSUN, RT) and one_village(ctx, form) is not None

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        village = one_village(ctx, form)
        names = village.dusun if village else ()
        if form.target == RT:
            options = tuple(Button(fit_label(d), str(i)) for i, d in enumerate(names))
            return Question(_("Which dusun are the RTs in?"), options, Expect.CHOICE, per_row=2)
        ticks = [
            Button(_tick(fit_label(d, 17), d in form.dusun), str(i)) for i, d in enumerate(names)
        ]
        ticks.append(Button(_("➡️ Next"), NEXT))
        text = _("Which dusun? Tap to tick or untick, then ➡️ Next.")
        return Question(text, tuple(ticks), Expect.CHOICE, per_row=2)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        village = one_village(ctx, form)
        names = village.dusun if village else ()
        if answer.kind is not Kind.CHOICE:
            return Invalid(_("Please tap the buttons below."))
        if form.target == DUSUN and answer.choice == NEXT:
            return None if form.dusun else Invalid(_("Tick at least one dusun first."))
        if not (answer.choice.isdigit() and int(answer.choice) < len(names)):
            return Invalid(_("Please tap the buttons below."))
        picked = names[int(answer.choice)]
        if form.target == RT:
            changed = form.dusun != [picked]
            if changed:
                form.rt = []
            form.dusun = [picked]
            village_id = ctx.services.village_ids[village.code] if village else 0
            form.rt_options = list(await rts_in(ctx.session, village_id, picked))[:RT_BUTTONS]
            return Onward() if changed else None  # another dusun's RTs are asked again
        if picked in form.dusun:
            form.dusun.remove(picked)
        else:
            form.dusun.append(picked)
        form.dusun.sort(key=names.index)
        return Stay(in_place=True)


class RtStep(_Step):
    """The RTs within the dusun: tick those residents live in, or type "1, 3, 5"."""

    name = "ann_rt"

    def applies(self, ctx: Ctx, form: ComposeForm) -> bool:
        return form.target == RT and one_village(ctx, form) is not None

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        dusun = ", ".join(form.dusun)
        if not form.rt_options:
            text = _("Which RTs in Dusun {dusun}? Type their numbers, e.g. 1, 3, 5.")
            return Question(text.format(dusun=dusun), expects=Expect.TEXT)
        options = [Button(_tick(f"RT {int(rt)}", rt in form.rt), rt) for rt in form.rt_options]
        options.append(Button(_("➡️ Next"), NEXT))
        text = _(
            "Which RTs in Dusun {dusun}? Tap to tick or untick, then ➡️ Next; or reply with "
            "their numbers, e.g. 1, 3, 5."
        )
        return Question(text.format(dusun=dusun), tuple(options), Expect.CHOICE, per_row=3)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        if answer.kind is Kind.CHOICE and answer.choice == NEXT:
            return None if form.rt else Invalid(_("Tick at least one RT first."))
        if answer.kind is Kind.CHOICE and answer.choice in form.rt_options:
            if answer.choice in form.rt:
                form.rt.remove(answer.choice)
            else:
                form.rt = sorted({*form.rt, answer.choice})
            return Stay(in_place=True)
        parts = [p for p in clean(answer.text).replace(";", ",").replace(" ", ",").split(",") if p]
        numbers = rts_of(parts)
        if answer.kind is not Kind.TEXT or not parts or len(numbers) != len(parts):
            return Invalid(_("Please type RT numbers separated by commas, e.g. 1, 3, 5."))
        if any(int(n) == 0 or int(n) > 999 for n in numbers):
            return Invalid(_("Please type RT numbers separated by commas, e.g. 1, 3, 5."))
        form.rt = sorted(set(numbers))
        return None


class TopicStep(_Step):
    """Whose subscription it reaches: the village's topics."""

    name = "ann_topic"

    def applies(self, ctx: Ctx, form: ComposeForm) -> bool:
        return form.target == TOPIC

    def _topics(self, ctx: Ctx, form: ComposeForm) -> list[tuple[str, str]]:
        village = first_village(ctx, form)
        if village is None:
            return []
        return [(t.code, t.short or t.name) for t in topics(village) if t.code != EMERGENCY]

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        options = tuple(Button(fit_label(name), code) for code, name in self._topics(ctx, form))
        return Question(_("Which topic is it about?"), options, Expect.CHOICE, per_row=2)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        codes = {code for code, _name in self._topics(ctx, form)}
        if answer.kind is not Kind.CHOICE or answer.choice not in codes:
            _ = admin_gettext(ctx)
            return Invalid(_("Please tap one of the buttons below."))
        form.topic = answer.choice
        return None


KIND_BUTTONS = {
    NORMAL: N_("📢 Normal"),
    IMPORTANT: N_("⚠️ Important"),
    EMERGENCY_KIND: N_("🚨 Emergency"),
}


class KindStep(_Step):
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


class WhenStep(_Step):
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
