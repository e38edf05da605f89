"""Officials in the simulator: each configured village's contacts are its officials' group."""

from __future__ import annotations

from collections.abc import Iterable

from flows.common.text import N_
from flows.common.villages import VillageConfig
from handlers.simulator.hub import Persona

# Someone in no village's officials' group: their presses are refused, as a stranger's would be.
GUEST = Persona("tamu-1", N_("Guest (not an official)"), "081200002222", describes=True)
# A village whose config names no contacts still needs someone to act for it.
_NO_CONTACT_PHONE = "081200001111"


def officials_of(villages: Iterable[VillageConfig]) -> tuple[Persona, ...]:
    """The personas who act as each village's officials: the contacts its config names
    (`[[villages.contacts]]`, e.g. the Kepala Desa and the Sekretaris Desa), in that order."""
    personas: list[Persona] = []
    for village in villages:
        chat = village.admin_chat_id
        for n, contact in enumerate(village.contacts, 1):
            personas.append(
                Persona(
                    f"petugas-{village.code}-{n}",
                    contact.name,
                    contact.phone,
                    official=True,
                    role=contact.role,
                    admin_chat=chat,
                )
            )
        if not village.contacts:
            personas.append(
                Persona(
                    f"petugas-{village.code}-1",
                    N_("Village official"),
                    _NO_CONTACT_PHONE,
                    official=True,
                    describes=True,
                    admin_chat=chat,
                )
            )
    return tuple(personas)


class SimulatorOfficials:
    """Membership as the simulator knows it: an official counts in their own village's chat."""

    def __init__(self, personas: Iterable[Persona]) -> None:
        self._members = frozenset(
            (p.admin_chat, p.id) for p in personas if p.official and p.admin_chat is not None
        )

    async def is_official(self, chat_id: str, user_id: str) -> bool:
        return (chat_id, user_id) in self._members
