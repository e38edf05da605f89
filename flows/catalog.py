"""How capabilities plug in: each module exports one `Capability`; the app assembles them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flows.context import Ctx
from flows.engine import Engine, FormFlow
from flows.types import Reply

Handler = Callable[[Ctx], Awaitable[list[Reply]]]
# Handles a button press outside any form; gets the value after the prefix.
ChoiceHandler = Callable[[Ctx, str], Awaitable[list[Reply]]]


def _always(_ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class Intent:
    """Something a person can ask for by command, menu button or free text."""

    name: str
    run: Handler
    keywords: Sequence[str] = ()
    # Keywords that depend on the person's village (e.g. the names of its letters).
    more_keywords: Callable[[Ctx], Sequence[str]] | None = None
    commands: Sequence[str] = ()
    menu_label: Callable[[Ctx], str] | None = None
    visible: Callable[[Ctx], bool] = _always


@dataclass(frozen=True)
class Capability:
    intents: Sequence[Intent] = ()
    flows: Sequence[FormFlow[Any]] = ()
    choices: Mapping[str, ChoiceHandler] = field(default_factory=dict)
    admin_choices: Mapping[str, ChoiceHandler] = field(default_factory=dict)
    admin_commands: Mapping[str, Handler] = field(default_factory=dict)
    # Answers an official's reply to one of Balai's messages; None when it is not its own.
    admin_reply: Callable[[Ctx], Awaitable[list[Reply] | None]] | None = None


class Catalog:
    """Everything Balai can do, assembled from the capabilities in menu order."""

    def __init__(self, capabilities: Sequence[Capability]) -> None:
        self.intents = [i for c in capabilities for i in c.intents]
        self.engine = Engine([f for c in capabilities for f in c.flows])
        self.choices = {k: v for c in capabilities for k, v in c.choices.items()}
        self.admin_choices = {k: v for c in capabilities for k, v in c.admin_choices.items()}
        self.admin_commands = {k: v for c in capabilities for k, v in c.admin_commands.items()}
        self.admin_replies = [c.admin_reply for c in capabilities if c.admin_reply is not None]
        self._by_name = {i.name: i for i in self.intents}
        self._by_command = {cmd: i for i in self.intents for cmd in i.commands}

    def intent(self, name: str) -> Intent:
        return self._by_name[name]

    def by_command(self, command: str) -> Intent | None:
        return self._by_command.get(command)

    def keywords(self, ctx: Ctx) -> dict[str, Sequence[str]]:
        found: dict[str, Sequence[str]] = {}
        for intent in self.intents:
            words = [*intent.keywords, *(intent.more_keywords(ctx) if intent.more_keywords else ())]
            if words and intent.visible(ctx):
                found[intent.name] = words
        return found
