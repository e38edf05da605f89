"""What a flow step can see and do while it handles one message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from flows.common.villages import VillageConfig, Villages
from flows.engine.types import Incoming, Outbound
from storage.media import MediaStore
from storage.models import ChannelIdentity, Citizen

if TYPE_CHECKING:
    from flows.engine.catalog import Catalog
    from flows.engine.form_flow import FormFlow


class Translator(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class OfficialDirectory(Protocol):
    """Tells whether someone is a member of a village's admin chat."""

    async def is_official(self, chat_id: str, user_id: str) -> bool: ...


@dataclass(frozen=True)
class Services:
    """Everything flows need from outside, built once by the app factory."""

    villages: Villages
    village_ids: dict[str, int]
    translations: Callable[[str], Translator]
    officials: OfficialDirectory
    clock: Callable[[], datetime]
    catalog: Catalog
    # The channel the villages' admin chats live on (Telegram groups).
    admin_channel: str = "telegram"
    locales: tuple[str, ...] = ("id", "en")
    # Photos, voice notes and files people send (None: media are not kept, as in tests
    # of flows that never see one).
    media: MediaStore | None = None
    # Where Balai's public pages are reached (BALAI_PUBLIC_URL, no trailing slash); empty
    # when they are not public, and a listing is shared by its code alone.
    public_url: str = ""

    def village_by_id(self, village_id: int) -> VillageConfig | None:
        """The configured village behind a database id (None if it left the config)."""
        for code, known_id in self.village_ids.items():
            if known_id == village_id:
                return self.villages.by_code(code)
        return None


@dataclass
class FlowState:
    """A person's place in a form flow; serialised into the conversations table."""

    flow: FormFlow[Any]
    step: str
    form: dict[str, Any]
    stack: list[str] = field(default_factory=list)
    editing: bool = False
    key: str = ""
    # An intent to carry on with once this flow is done (e.g. the letter someone asked
    # for before they had registered).
    then: str = ""
    # Steps answered by what the person typed to start the flow (not counted as steps).
    skipped: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    services: Services
    session: AsyncSession
    msg: Incoming
    identity: ChannelIdentity
    citizen: Citizen | None
    state: FlowState | None = None
    outbox: list[Outbound] = field(default_factory=list)

    @property
    def locale(self) -> str:
        return self.identity.locale

    def _(self, message: str) -> str:
        return self.services.translations(self.locale).gettext(message)

    def n_(self, singular: str, plural: str, n: int) -> str:
        return self.services.translations(self.locale).ngettext(singular, plural, n)

    def now(self) -> datetime:
        return self.services.clock()

    @property
    def village(self) -> VillageConfig | None:
        """The village of the registered person (None before registration)."""
        if self.citizen is None:
            return None
        return self.services.village_by_id(self.citizen.village_id)

    def send(self, outbound: Outbound) -> None:
        """Queue a message for another chat; written to the outbox with this transaction."""
        self.outbox.append(outbound)
