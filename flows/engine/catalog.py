"""How capabilities plug in: each package exports one `Capability`; the app assembles them.

The catalogue is the one list of what Balai can do: intents (commands, menu buttons, free
text), button prefixes, officials' commands, case desks, timers and the flows that stored
conversations resume into. Two capabilities claiming the same name fail at startup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from flows.engine.context import Ctx
from flows.engine.form_flow import FormFlow
from flows.engine.types import Outbound, Reply

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from flows.engine.context import Services
    from storage.models import Case, Citizen

Handler = Callable[[Ctx], Awaitable[list[Reply]]]
# Handles a button press outside any form; gets the value after the prefix.
ChoiceHandler = Callable[[Ctx, str], Awaitable[list[Reply]]]
# Opens what a link into the chat points at (Telegram's `/start <prefix>_<value>`); gets
# the value after the prefix.
StartLink = Callable[[Ctx, str], Awaitable[list[Reply]]]
# Answers an official's reply to one of Balai's messages; None when it is not its own.
ReplyHandler = Callable[[Ctx], Awaitable[list[Reply] | None]]
# Takes a message as the answer Balai is waiting for from this person (an official's
# question, a fix of a request); None when it waits for nothing this message can answer.
AwaitedAnswer = Callable[[Ctx], Awaitable[list[Reply] | None]]
# Withdraws what a resident who deletes their data left for others to see.
Eraser = Callable[[Ctx, "Citizen"], Awaitable[None]]
# Sets up what a capability gives every new resident (e.g. announcement topics), inside the
# registration's transaction, right after their record is stored.
Welcome = Callable[[Ctx, "Citizen"], Awaitable[None]]
# Runs every minute; returns messages for the outbox (reminders, follow-up questions).
Timer = Callable[["Services", "AsyncSession"], Awaitable[list[Outbound]]]


V = TypeVar("V")


class CatalogError(ValueError):
    """Two capabilities claim the same thing; raised at startup."""


def _always(_ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class Command:
    """A slash command and its line in /bantuan and in the chat app's command menu."""

    name: str
    # msgid; translated where the help or the menu is shown.
    description: str
    # Other names that do the same (e.g. English ones); understood, not listed.
    aliases: Sequence[str] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Intent:
    """Something a person can ask for by command, menu button or free text."""

    name: str
    run: Handler
    keywords: Sequence[str] = ()
    # Keywords that depend on the person's village (e.g. the names of its letters).
    more_keywords: Callable[[Ctx], Sequence[str]] | None = None
    commands: Sequence[Command] = ()
    menu_label: Callable[[Ctx], str] | None = None
    visible: Callable[[Ctx], bool] = _always
    # Place in the main menu and in the command list, lowest first.
    rank: int = 50
    # Carries on with a detail remembered from before (e.g. the letter asked for before
    # registering): `then` is "intent:detail" in FlowState.
    resume: ChoiceHandler | None = None


@dataclass(frozen=True)
class AdminCommand:
    """A command officials type in their village's admin chat."""

    command: Command
    run: Handler
    # Also served in a region's admin chat (`[[regions]]`), which takes nothing else.
    regions: bool = False
    # A button under the officials' help that does the same (msgid of its label).
    button: str | None = None


# Rows made otherwise than one per case (announcements): from the village's code and the
# `--since` moment.
TableRows = Callable[
    ["Services", "AsyncSession", str, "datetime | None"], Awaitable[list[dict[str, str]]]
]


@dataclass(frozen=True)
class Companion:
    """A second CSV an export writes beside its file (`<out>-<suffix>.csv`)."""

    suffix: str
    columns: Sequence[str]
    rows: TableRows


@dataclass(frozen=True)
class Export:
    """A kind of record a village can export as CSV (`balai export NAME`)."""

    name: str
    # What one row is called ("letter request"), for the command's summary line.
    noun: str
    # The case kind exported, and the CSV's columns in order.
    kind: str
    columns: Sequence[str]
    # One case as a row: every column, no NIK or phone unless masked.
    row: Callable[[Services, AsyncSession, Case], Awaitable[dict[str, str]]] | None = None
    # Instead of one row per case of `kind`: the rows as the export makes them.
    rows: TableRows | None = None
    companion: Companion | None = None


class CaseDesk(Protocol):
    """What the catalogue knows of a case kind's desk (the whole desk: flows.cases.desk)."""

    @property
    def prefix(self) -> str: ...

    @property
    def kind_name(self) -> str: ...

    @property
    def note_flow(self) -> FormFlow[Any]: ...

    async def on_button(self, ctx: Ctx, value: str) -> list[Reply]: ...


@dataclass(frozen=True)
class Capability:
    """What one package contributes. `name` appears in startup errors about clashes."""

    name: str
    intents: Sequence[Intent] = ()
    flows: Sequence[FormFlow[Any]] = ()
    # Button prefixes handled outside any form (resident side and admin side).
    choices: Mapping[str, ChoiceHandler] = field(default_factory=dict)
    admin_choices: Mapping[str, ChoiceHandler] = field(default_factory=dict)
    # Admin button prefixes whose press only shows a note (its msgid) and changes nothing
    # (the resident's buttons under an announcement's preview): answered on the press.
    admin_notes: Mapping[str, str] = field(default_factory=dict)
    admin_commands: Sequence[AdminCommand] = ()
    admin_reply: ReplyHandler | None = None
    # Commands handled by the runner itself, listed in help and the command menu.
    listed_commands: Sequence[Command] = ()
    desks: Sequence[CaseDesk] = ()
    timers: Sequence[Timer] = ()
    exports: Sequence[Export] = ()
    awaited: Sequence[AwaitedAnswer] = ()
    # Like `awaited`, for anyone, registered or not, after the awaited answers (a code
    # from another chat app); None when the message is not one.
    typed: Sequence[AwaitedAnswer] = ()
    # What a capability withdraws when a resident deletes their data (e.g. their listings),
    # inside the deletion's transaction, before their personal fields are emptied.
    on_erase: Sequence[Eraser] = ()
    on_registered: Sequence[Welcome] = ()
    # The intent (its name) that registers someone who asked for a service needing it.
    onboarding: str | None = None
    # Payload prefixes of links into the chat (`/start lapak_LPK-7K3Q`: "lapak").
    start_links: Mapping[str, StartLink] = field(default_factory=dict)
    # Admin button prefixes and flow names a region's admin chat may use too.
    region_names: Sequence[str] = ()


def combined(name: str, *parts: Capability) -> Capability:
    """One package's capability made of its modules' parts (clashes are caught by Catalog)."""
    onboarding = [p.onboarding for p in parts if p.onboarding is not None]
    replies = [p.admin_reply for p in parts if p.admin_reply is not None]
    if len(onboarding) > 1 or len(replies) > 1:
        raise CatalogError(f"{name}: only one part may offer registration or answer replies")
    return Capability(
        name=name,
        intents=[i for p in parts for i in p.intents],
        flows=[f for p in parts for f in p.flows],
        choices=_unique(
            "button prefix", ((p.name, k, v) for p in parts for k, v in p.choices.items())
        ),
        admin_choices=_unique(
            "admin button prefix",
            ((p.name, k, v) for p in parts for k, v in p.admin_choices.items()),
        ),
        admin_notes=_unique(
            "admin button prefix",
            ((p.name, k, v) for p in parts for k, v in p.admin_notes.items()),
        ),
        admin_commands=[a for p in parts for a in p.admin_commands],
        admin_reply=replies[0] if replies else None,
        listed_commands=[c for p in parts for c in p.listed_commands],
        desks=[d for p in parts for d in p.desks],
        timers=[t for p in parts for t in p.timers],
        exports=[e for p in parts for e in p.exports],
        awaited=[a for p in parts for a in p.awaited],
        typed=[a for p in parts for a in p.typed],
        on_erase=[e for p in parts for e in p.on_erase],
        on_registered=[w for p in parts for w in p.on_registered],
        onboarding=onboarding[0] if onboarding else None,
        start_links=_unique(
            "start link", ((p.name, k, v) for p in parts for k, v in p.start_links.items())
        ),
        region_names=[n for p in parts for n in p.region_names],
    )


def command_lines(gettext: Callable[[str], str], commands: Iterable[Command]) -> str:
    """One "/name - what it does" line per command, as /bantuan lists them."""
    return "\n".join(f"/{c.name} - {gettext(c.description)}" for c in commands)


class Catalog:
    """Everything Balai can do, assembled from the capabilities in menu order."""

    def __init__(self, capabilities: Sequence[Capability]) -> None:
        self.intents = sorted((i for c in capabilities for i in c.intents), key=lambda i: i.rank)
        self.desks = list(
            _unique(
                "case kind", ((c.name, d.kind_name, d) for c in capabilities for d in c.desks)
            ).values()
        )
        self.timers = [t for c in capabilities for t in c.timers]
        self.awaited = [a for c in capabilities for a in c.awaited]
        self.typed = [a for c in capabilities for a in c.typed]
        self.on_erase = [e for c in capabilities for e in c.on_erase]
        self.on_registered = [w for c in capabilities for w in c.on_registered]
        self.admin_replies = [c.admin_reply for c in capabilities if c.admin_reply is not None]
        self.exports = _unique(
            "export", ((c.name, e.name, e) for c in capabilities for e in c.exports)
        )
        self.flows = _unique(
            "flow",
            ((c.name, f.name, f) for c in capabilities for f in c.flows),
            ((c.name, d.note_flow.name, d.note_flow) for c in capabilities for d in c.desks),
        )
        self.choices = _unique(
            "button prefix", ((c.name, k, v) for c in capabilities for k, v in c.choices.items())
        )
        self.admin_choices = _unique(
            "admin button prefix",
            ((c.name, k, v) for c in capabilities for k, v in c.admin_choices.items()),
            ((c.name, d.prefix, d.on_button) for c in capabilities for d in c.desks),
        )
        self.admin_notes = _unique(
            "admin button prefix",
            ((c.name, k, v) for c in capabilities for k, v in c.admin_notes.items()),
        )
        both = sorted(self.admin_notes.keys() & self.admin_choices.keys())
        if both:
            raise CatalogError(f"the admin button prefix {both[0]!r} is claimed twice")
        self.start_links = _unique(
            "start link",
            ((c.name, k, v) for c in capabilities for k, v in c.start_links.items()),
        )
        self._by_name = _unique(
            "intent", ((c.name, i.name, i) for c in capabilities for i in c.intents)
        )
        self.commands: list[Command] = [
            *(cmd for i in self.intents for cmd in i.commands),
            *(cmd for c in capabilities for cmd in c.listed_commands),
        ]
        self._by_command = _unique(
            "command",
            (
                (c.name, n, i)
                for c in capabilities
                for i in c.intents
                for cmd in i.commands
                for n in cmd.names
            ),
            (
                (c.name, n, None)
                for c in capabilities
                for cmd in c.listed_commands
                for n in cmd.names
            ),
        )
        self.admin_commands = [a.command for c in capabilities for a in c.admin_commands]
        self.region_commands = [
            a.command for c in capabilities for a in c.admin_commands if a.regions
        ]
        # (label msgid, command name) of the buttons under the officials' help.
        self.admin_buttons = [
            (a.button, a.command.name)
            for c in capabilities
            for a in c.admin_commands
            if a.button is not None
        ]
        self.region_names = frozenset(
            {n for c in capabilities for n in c.region_names}
            | {n for cmd in self.region_commands for n in cmd.names}
        )
        self._admin_by_command = _unique(
            "admin command",
            (
                (c.name, n, a.run)
                for c in capabilities
                for a in c.admin_commands
                for n in a.command.names
            ),
        )
        onboarding = [(c.name, c.onboarding) for c in capabilities if c.onboarding is not None]
        if len(onboarding) > 1:
            names = " and ".join(name for name, _handler in onboarding)
            raise CatalogError(f"registration is offered by more than one capability: {names}")
        self.onboarding: Intent | None = self._by_name[onboarding[0][1]] if onboarding else None

    def intent(self, name: str) -> Intent:
        return self._by_name[name]

    @property
    def intents_by_name(self) -> dict[str, Intent]:
        return self._by_name

    def by_command(self, command: str) -> Intent | None:
        return self._by_command.get(command)

    def admin_command(self, command: str) -> Handler | None:
        return self._admin_by_command.get(command)

    def keywords(self, ctx: Ctx) -> dict[str, Sequence[str]]:
        found: dict[str, Sequence[str]] = {}
        for intent in self.intents:
            words = [*intent.keywords, *(intent.more_keywords(ctx) if intent.more_keywords else ())]
            if words and intent.visible(ctx):
                found[intent.name] = words
        return found


def _unique(what: str, *claims: Iterable[tuple[str, str, V]]) -> dict[str, V]:
    """Map name -> value; a name claimed twice is a startup error naming both claimants."""
    found: dict[str, tuple[str, V]] = {}
    for group in claims:
        for owner, name, value in group:
            if name in found:
                raise CatalogError(
                    f"the {what} {name!r} is claimed by both {found[name][0]} and {owner}; "
                    "give one of them another name"
                )
            found[name] = (owner, value)
    return {name: value for name, (_owner, value) in found.items()}
