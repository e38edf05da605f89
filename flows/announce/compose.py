"""/umumkan in an admin chat: the text (or a photo or PDF with a caption), who receives it,
its kind, when it goes; a preview exactly as residents will see it, with the counts; Kirim.

A region's admin chat first picks some or all of its villages; dusun and RT are offered
only when one village is picked (dusun names are a village's own). A village's chat
always announces to its own village alone: the villages are taken from the chat again
when the announcement is made, never from the form.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows.announce import approval
from flows.announce.message import EMERGENCY as EMERGENCY_KIND
from flows.announce.message import IMPORTANT, NORMAL, resident_message
from flows.announce.scope import Scope, scope_of
from flows.announce.topics import EMERGENCY, topic_name, topics
from flows.announce.when import NotATime, parse_when
from flows.common.formatting import number, village_time
from flows.common.text import N_, clean, fit_label
from flows.common.validation import Invalid, too_long
from flows.common.villages import VillageConfig
from flows.engine import form as form_engine
from flows.engine.admin import ADMIN_LOCALE, actor, admin_gettext
from flows.engine.context import Ctx
from flows.engine.form import Answer, Finished, FormFlow, Onward, Question, Reask, Stay, Step
from flows.engine.types import Button, Expect, Kind, Media, MediaKind, Reply
from storage import announcements, audit
from storage.announcements import rts_in
from storage.audience import Audience, reach, rts_of
from storage.models import Announcement

TEXT_MAX = 3000
# A caption under a photo or file: Telegram's limit.
CAPTION_MAX = 1024
EVERYONE, DUSUN, RT, TOPIC = "all", "dusun", "rt", "topic"
NEXT = "next"
DEFAULT_TOPIC = "umum"
# More RTs than this in one dusun are typed (a screen of buttons is enough).
RT_BUTTONS = 15
_CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}


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


def reach_line(ctx: Ctx, form: ComposeForm) -> str:
    """The counts: "Akan dikirim ke 1.234 warga (1.100 Telegram, 134 WhatsApp); 12 ..."."""
    _ = admin_gettext(ctx)
    total = sum(form.by_channel.values())
    parts = ", ".join(
        f"{number(n, ADMIN_LOCALE)} {_CHANNEL_NAMES.get(c, c.capitalize())}"
        for c, n in sorted(form.by_channel.items())
    )
    line = _("It will be sent to {n} residents").format(n=number(total, ADMIN_LOCALE))
    if parts:
        line += f" ({parts})"
    if form.unreachable:
        line += _("; {n} cannot be reached").format(n=number(form.unreachable, ADMIN_LOCALE))
    return line + "."


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
    """Now, or a date and time in the village's zone; never the past."""

    name = "ann_when"
    decides_audience = False

    def question(self, ctx: Ctx, form: ComposeForm) -> Question:
        _ = admin_gettext(ctx)
        village = first_village(ctx, form)
        zone = village.zone_abbreviation if village else ""
        text = _(
            'When should it be sent? Tap ⚡ Now (or reply "sekarang"), or reply with a date '
            'and time ({zone}), e.g. "besok 07.00", "12/12 08.00" or "12 Desember 2026 08.00".'
        ).format(zone=zone)
        return Question(text, (Button(_("⚡ Now"), "now"),), Expect.TEXT)

    async def accept(
        self, ctx: Ctx, form: ComposeForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        _ = admin_gettext(ctx)
        if answer.kind is Kind.CHOICE and answer.choice == "now":
            form.send_at = ""
            return None
        village = first_village(ctx, form)
        if answer.kind is not Kind.TEXT or village is None:
            return Invalid(_("Please tap ⚡ Now, or type a date and time."))
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


def draft(ctx: Ctx, form: ComposeForm, village_ids: list[int], shown: bool = False) -> Announcement:
    """The announcement the form describes (not stored): the preview shows it as it will be."""
    audience_ = audience_of(ctx, form)
    stored: dict[str, list[str]] = {}
    if audience_.dusun:
        stored["dusun"] = list(audience_.dusun)
    if audience_.rt:
        stored["rt"] = list(audience_.rt)
    return Announcement(
        # Only a preview has an id (for the resident's buttons it shows); a stored one
        # gets its own.
        **({"id": 0} if shown else {}),
        code="",
        village_ids=village_ids,
        kind=form.kind or NORMAL,
        topic=audience_.topic,
        audience=stored,
        text=form.text,
        media_ref=form.media_id or None,
        media_kind=form.media_kind or None,
    )


def preview(ctx: Ctx, form: ComposeForm) -> Reply | None:
    """The announcement exactly as a resident will get it (the first village's name)."""
    villages = chosen_villages(ctx, form)
    if not villages or not form.text:
        return None
    sent = send_time(form) or ctx.now()
    return resident_message(
        admin_gettext(ctx), villages[0], draft(ctx, form, [], shown=True), sent, ADMIN_LOCALE
    )


class ComposeFlow(FormFlow[ComposeForm]):
    name = "announce"
    form_type = ComposeForm
    steps = (
        VillagesStep(),
        TextStep(),
        TargetStep(),
        DusunStep(),
        RtStep(),
        TopicStep(),
        KindStep(),
        WhenStep(),
    )

    def title(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        return _("📢 New announcement")

    def confirm_label(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        return _("✅ Send")

    def summary_intro(self, ctx: Ctx) -> str:
        _ = admin_gettext(ctx)
        form = self.load(ctx.state.form) if ctx.state is not None else ComposeForm()
        shown = preview(ctx, form)
        parts = []
        if shown is not None:
            buttons = " · ".join(f"[{b.label}]" for row in shown.buttons for b in row)
            parts += [
                _("What residents will receive:"),
                "┈┈┈┈┈┈┈┈┈┈",
                shown.text + (f"\n{buttons}" if buttons else ""),
                "┈┈┈┈┈┈┈┈┈┈",
            ]
        parts.append(reach_line(ctx, form))
        parts.append(
            _("Send it with {send}, change a part with ✏️, or ❌ Cancel.").format(
                send=self.confirm_label(ctx)
            )
        )
        return "\n\n".join(parts)

    def summary_media(self, ctx: Ctx, form: ComposeForm) -> tuple[Media, ...]:
        shown = preview(ctx, form)
        return shown.media if shown is not None else ()

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        _ = admin_gettext(ctx)
        return [Reply(_("Cancelled. The announcement was not sent."))]

    def gone(self, ctx: Ctx, form: ComposeForm) -> str | None:
        if scope_of(ctx) is None:
            _ = admin_gettext(ctx)
            return _("This chat can no longer send announcements.")
        return None

    async def finish(self, ctx: Ctx, form: ComposeForm, key: str) -> Finished | Reask:
        _ = admin_gettext(ctx)
        scope = scope_of(ctx)
        villages = chosen_villages(ctx, form)
        if scope is None or not villages:
            return Finished([Reply(_("This chat can no longer send announcements."))])
        # Never a narrower choice silently widened to everyone.
        if form.target in (DUSUN, RT) and (not form.dusun or one_village(ctx, form) is None):
            return Reask(TargetStep.name, _("Please choose the recipients again."))
        if form.target == RT and not form.rt:
            return Reask(RtStep.name, _("Please type the RT numbers."))
        moment = send_time(form)
        if moment is not None and moment <= ctx.now():
            return Reask(WhenStep.name, _("That time has passed meanwhile. Please give another."))
        ids = [ctx.services.village_ids[v.code] for v in villages]
        now = ctx.now()
        moment = moment or now
        four_eyes = any(v.broadcast_approval for v in villages)
        valid = max(v.announcement_valid_days for v in villages)
        made = draft(ctx, form, ids)
        made.admin_chat_id = ctx.msg.chat
        made.author_id = ctx.msg.sender
        made.author_name = (ctx.msg.sender_name or ctx.msg.sender)[:100]
        made.status = approval.AWAITING if four_eyes else approval.SCHEDULED
        made.send_at = moment
        made.expires_at = moment + timedelta(days=valid)
        made.created_at = now
        made.version = 1
        made = await announcements.create(ctx.session, made)
        await audit.record(
            ctx.session,
            at=now,
            actor=actor(ctx),
            village_id=ids[0],
            action="announce",
            record_type="announcement",
            record_id=made.id,
            outcome=made.status,
        )
        if four_eyes:
            done = _("{code} is saved. Another official must approve it before it is sent.")
            card = await approval.card(ctx, made)
            return Finished([Reply(done.format(code=made.code)), card])
        if send_time(form) is None:
            done = _("{code} is being sent now. /pengumuman shows how it goes.")
        else:
            done = _("{code} will be sent on {when}. /pengumuman shows it, and can cancel it.")
        return Finished([Reply(done.format(code=made.code, when=when_text(ctx, form)))])


COMPOSE_FLOW = ComposeFlow()


async def start_compose(ctx: Ctx) -> list[Reply]:
    """/umumkan: begin a new announcement in this admin chat."""
    scope: Scope | None = scope_of(ctx)
    if scope is None:
        return []
    if ctx.state is not None and ctx.state.flow is COMPOSE_FLOW:
        # Typed again mid-way: what was written so far is not thrown away unasked.
        return form_engine.resume_or_cancel(ctx)
    form = ComposeForm(chat=ctx.msg.chat, villages=[v.code for v in scope.villages])
    return form_engine.start(ctx, COMPOSE_FLOW, form)
