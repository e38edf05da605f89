"""The officials' questions of who receives an announcement: what each step asks, takes and
shows on the summary (villages for a region, recipients, dusun, RT, topic).

Dusun and RT are offered only when one village is picked (dusun names are a village's own).
"""

from __future__ import annotations

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
)
from flows.announce.compose_steps import ComposeStep
from flows.announce.message import EMERGENCY as EMERGENCY_KIND
from flows.announce.scope import scope_of
from flows.announce.topics import EMERGENCY, topic_name, topics
from flows.common.text import clean, fit_label
from flows.common.validation import Invalid
from flows.engine.admin import admin_gettext
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Onward, Question, Stay
from flows.engine.types import Button, Expect, Kind
from storage.announcements import rts_in
from storage.audience import rts_of

NEXT = "next"
# More RTs than this in one dusun are typed (a screen of buttons is enough).
RT_BUTTONS = 15


def _tick(label: str, on: bool) -> str:
    return ("✅ " if on else "▫️ ") + label


class VillagesStep(ComposeStep):
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


class TargetStep(ComposeStep):
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
    if form.target == TOPIC and form.kind == EMERGENCY_KIND:
        return _("All residents: Darurat reaches everyone, whatever their topics")
    if form.target == TOPIC:
        village = first_village(ctx, form)
        name = topic_name(village, form.topic) if village else form.topic
        return _("Subscribers of {topic}").format(topic=name)
    return _("All residents")


class DusunStep(ComposeStep):
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


class RtStep(ComposeStep):
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


class TopicStep(ComposeStep):
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
