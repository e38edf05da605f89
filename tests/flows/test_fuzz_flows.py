"""Random sequences of everything a person can send, at whatever step they reach.

A walker mostly presses the buttons Balai just showed (so it gets deep into every flow
a resident or an official can reach) and in between sends what people really send:
text of any Unicode, commands known and unknown, buttons from long ago, forged callback
data, photos, voice notes, files, locations, contacts, stickers and edited messages.
After every input:
- nothing broke (no update ended with the apology);
- every reply fits the channel: Telegram's 4,096 characters per message and 64 bytes of
  callback data, WhatsApp's button, list and text limits, as the renderers send them;
- a resident's earlier answers in a form are still there after anything but a command
  or a button (those may legitimately leave or change the form).

BALAI_FUZZ_EXAMPLES (default 25) sets the number of conversations per test; the
benchmark's long run uses thousands.
"""

from __future__ import annotations

import itertools
import os
import string
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.engine.handled import ERROR, Handled
from flows.engine.types import ChatKind, Contact, Expect, Incoming, Kind, Location, Reply
from handlers.telegram import render as telegram_render
from handlers.whatsapp import render as whatsapp_render
from tests.helpers import Person, conversation_of, register

EXAMPLES = int(os.environ.get("BALAI_FUZZ_EXAMPLES", "25"))
STEPS = 60
ADMIN_CHAT = "-1001000000001"  # Sukamaju's admin chat in tests/fixtures/two_villages.toml
_people = itertools.count(50_000)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # One database for the test; each example is a new person in it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What people type at a step that wants text: answers that are right for some step, and
# answers that are nearly right.
PLAUSIBLE = [
    "Siti Aminah",
    "1804074107900002",
    "180407410790000",
    "081234567890",
    "003/005",
    "ya",
    "tidak",
    "batal",
    "menu",
    "kembali",
    "25rb/kg",
    "Rp 1.500.000",
    "12/12/2026",
    "besok 07.00",
    "Jalan rusak di depan balai desa, berlubang besar",
    "Kopi robusta bubuk 250 gram",
    "cari kopi",
    "lapak LPK-ABCD",
    "1",
    "0",
    "",
]
# Text nobody could mean as an answer: symbols, scripts, control and direction characters.
HOSTILE = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters=string.ascii_letters + string.digits,
    ),
    min_size=1,
    max_size=300,
)
ANY_TEXT = st.one_of(
    st.sampled_from(PLAUSIBLE), st.text(max_size=5000), HOSTILE, st.just("A" * 10_000)
)


def _action() -> st.SearchStrategy[tuple[str, Any]]:
    """One input, as (what, detail); buttons are drawn from the replies when it is sent."""
    advance = st.tuples(st.just("advance"), st.integers(0, 99))
    disrupt = st.one_of(
        st.tuples(st.just("button"), st.integers(0, 99)),
        st.tuples(st.just("stale"), st.integers(0, 999)),
        st.tuples(st.just("forged"), st.one_of(st.text(max_size=80), st.integers(0, 99))),
        st.tuples(st.just("text"), ANY_TEXT),
        st.tuples(st.just("hostile"), HOSTILE),
        st.tuples(st.just("command"), st.one_of(st.integers(0, 99), st.text(max_size=30))),
        st.tuples(st.just("media"), st.sampled_from([Kind.PHOTO, Kind.VOICE, Kind.DOCUMENT])),
        st.tuples(st.just("location"), st.tuples(st.floats(-90, 90), st.floats(-180, 180))),
        st.tuples(st.just("contact"), st.sampled_from(["081234567890", "+62 812 0000 1111"])),
        st.tuples(st.just("sticker"), st.sampled_from([Kind.STICKER, Kind.OTHER])),
        st.tuples(st.just("edited"), ANY_TEXT),
    )
    # Mostly the walker goes on, as a person filling a form would; one input in four is
    # anything else, so every step it reaches meets the rest.
    return st.integers(0, 3).flatmap(lambda n: disrupt if n == 0 else advance)


async def _registered(walker: Walker) -> None:
    """Register with a NIK and phone number of the walker's own."""
    n = int(walker.user_id)
    await register(walker, nik=f"180407410790{1 + n % 9999:04d}", phone=walker.phone)


class Walker(Person):
    """A person whose every input is checked against what must always hold."""

    def __init__(self, core: Any, commands: list[str], **kwargs: Any) -> None:
        super().__init__(core, **kwargs)
        self.commands = commands
        self.shown: list[str] = []  # every button value Balai ever showed this person
        self.phone = f"0812{int(self.user_id):08d}"

    async def send(self, incoming: Incoming) -> list[Reply]:
        replies = await super().send(incoming)
        for reply in replies:
            _fits_telegram(reply)
            _fits_whatsapp(reply)
            self.shown += [b.value for row in reply.buttons for b in row]
        return replies

    def current_buttons(self) -> list[str]:
        return [b.value for r in self.replies for row in r.buttons for b in row]

    async def advance(self, choice: int) -> None:
        """Answer what the last reply asks for, as a person going on would: its kind of
        input, a button, or one typed answer after another until the step takes one."""
        last = self.replies[-1] if self.replies else None
        expects = last.expects if last is not None else Expect.NOTHING
        base = self._base()
        if expects is Expect.LOCATION:
            await self.send(replace(base, kind=Kind.LOCATION, location=Location(-5.06, 104.1)))
        elif expects is Expect.CONTACT:
            await self.send(replace(base, kind=Kind.CONTACT, contact=Contact(self.phone, True)))
        elif expects in (Expect.PHOTO, Expect.VOICE) and choice % 4:
            kind = Kind.PHOTO if expects is Expect.PHOTO else Kind.VOICE
            await self.send(replace(base, kind=kind, media_id="m:1", text="Foto"))
        elif self.current_buttons() and (expects is not Expect.TEXT or choice % 4 == 0):
            values = self.current_buttons()
            await self.presses(values[choice % len(values)])
        else:
            where = await self._step()
            for n in range(len(PLAUSIBLE)):
                await self.says(PLAUSIBLE[(choice + n) % len(PLAUSIBLE)])
                if await self._step() != where:
                    return

    async def _step(self) -> tuple[str, str] | None:
        conversation = await conversation_of(self.core, self.user_id)
        return (conversation.flow, conversation.step) if conversation is not None else None

    async def act(self, what: str, detail: Any) -> bool:
        """Send one input; True when it was free input (neither a command nor a button)."""
        base = self._base()
        if what == "advance":
            await self.advance(detail)
            return False
        if what == "button":
            values = self.current_buttons()
            if values:
                await self.presses(values[detail % len(values)])
                return False
            what, detail = "text", PLAUSIBLE[detail % len(PLAUSIBLE)]
        if what == "stale" and self.shown:
            await self.presses(self.shown[detail % len(self.shown)])
            return False
        if what in ("stale", "forged"):
            if isinstance(detail, int) and self.shown:
                # A real button's data with its numbers changed: another case, listing...
                real = self.shown[detail % len(self.shown)]
                detail = "".join(str((int(c) + 7) % 10) if c.isdigit() else c for c in real)
            await self.presses(str(detail))
            return False
        if what == "command":
            name = self.commands[detail % len(self.commands)] if isinstance(detail, int) else detail
            await self.send(replace(base, kind=Kind.COMMAND, text=f"/{name}", command=name))
            return False
        if what in ("text", "hostile"):
            await self.send(replace(base, text=detail))
        elif what == "edited":
            await self.send(replace(base, text=detail, edited=True))
        elif what == "media":
            await self.send(replace(base, kind=detail, media_id="m:1", text=""))
        elif what == "location":
            await self.send(replace(base, kind=Kind.LOCATION, location=Location(*detail)))
        elif what == "contact":
            await self.send(replace(base, kind=Kind.CONTACT, contact=Contact(detail, True)))
        else:
            await self.send(replace(base, kind=detail, text=""))
        return what != "text"  # plausible text may rightly be read as "batal" or "menu"


def _fits_telegram(reply: Reply) -> None:
    for call in telegram_render.send_kwargs(reply):
        assert 0 < len(call["text"]) <= 4096 or (not call["text"] and reply.media)
    for row in reply.buttons:
        for button in row:
            assert 0 < len(button.value.encode()) <= 64, button.value
            assert button.label.strip(), reply.text[:80]
    assert sum(len(row) for row in reply.buttons) <= 100


def _fits_whatsapp(reply: Reply) -> None:
    for message in whatsapp_render.render(reply):
        kind = message["type"]
        if kind == "text":
            assert len(message["text"]["body"]) <= whatsapp_render.TEXT_MAX
            continue
        if kind != "interactive":
            continue
        interactive = message["interactive"]
        if interactive["type"] == "button":
            assert len(interactive["body"]["text"]) <= whatsapp_render.BUTTON_BODY_MAX
            buttons = interactive["action"]["buttons"]
            assert len(buttons) <= whatsapp_render.BUTTONS_MAX
            for button in buttons:
                assert len(button["reply"]["title"]) <= whatsapp_render.BUTTON_TITLE_MAX
                assert len(button["reply"]["id"]) <= whatsapp_render.BUTTON_ID_MAX
        elif interactive["type"] == "list":
            assert len(interactive["body"]["text"]) <= whatsapp_render.LIST_BODY_MAX
            assert len(interactive["action"]["button"]) <= whatsapp_render.LIST_BUTTON_MAX
            rows = [row for s in interactive["action"]["sections"] for row in s["rows"]]
            assert len(rows) <= whatsapp_render.LIST_ROWS_MAX
            for row in rows:
                assert len(row["title"]) <= whatsapp_render.ROW_TITLE_MAX
                assert len(row.get("description", "")) <= whatsapp_render.ROW_DESCRIPTION_MAX
                assert len(row["id"]) <= whatsapp_render.ROW_ID_MAX


def _answers(conversation: Any) -> tuple[str, dict[str, Any]] | None:
    if conversation is None:
        return None
    given_ = {k: v for k, v in (conversation.form or {}).items() if v not in ("", None, [], {})}
    return conversation.flow, given_


@pytest.fixture
def broken(core: Any) -> list[Handled]:
    """Updates that ended with the apology (the runner caught an exception)."""
    seen: list[Handled] = []
    core.runner.on_handled = lambda handled: seen.append(handled)
    return seen


def _commands(core: Any) -> list[str]:
    catalog = core.services.catalog
    names = [str(c) for c in catalog._by_command]
    names += [c.name for c in catalog.admin_commands]
    return [*sorted(set(names)), "start", "menu", "batal", "xyz"]


async def _walk(walker: Walker, actions: list[tuple[str, Any]], broken: list[Handled]) -> None:
    for what, detail in actions:
        before = _answers(await conversation_of(walker.core, walker.user_id))
        free = await walker.act(what, detail)
        assert not [h for h in broken if h.outcome == ERROR], (what, detail)
        after = _answers(await conversation_of(walker.core, walker.user_id))
        if free and before is not None and after is not None and after[0] == before[0]:
            lost = {k for k in before[1] if k not in after[1]}
            assert not lost, (what, detail, before[0], lost)


@FUZZ
@given(
    channel=st.sampled_from(["telegram", "whatsapp"]),
    registered=st.integers(0, 3).map(bool),  # three in four already registered
    entry=st.integers(0, 99),
    actions=st.lists(_action(), min_size=1, max_size=STEPS),
)
async def test_a_resident_sending_anything_at_any_step_breaks_nothing(
    core, broken, channel, registered, entry, actions
):
    user = str(next(_people))
    walker = Walker(core, _commands(core), user_id=user, name="Warga", channel=channel)
    if registered:
        await _registered(walker)
    # Starting from one of the commands reaches every flow sooner than the menu alone.
    await walker.act("command", entry)
    await _walk(walker, actions, broken)


@FUZZ
@given(actions=st.lists(_action(), min_size=1, max_size=STEPS))
async def test_an_official_sending_anything_in_the_admin_chat_breaks_nothing(
    core, broken, officials, actions
):
    resident = Walker(core, _commands(core), user_id=str(next(_people)), name="Warga")
    await _registered(resident)  # a resident's card waits in the admin chat
    official_id = str(next(_people))
    officials.members.add((ADMIN_CHAT, official_id))
    official = Walker(core, _commands(core), user_id=official_id, name="Sekdes", chat=ADMIN_CHAT)
    assert official._base().chat_kind is ChatKind.GROUP
    await official.says("/bantuan")
    await _walk(official, actions, broken)
