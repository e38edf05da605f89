"""The catalogue: capabilities plug in, and two claiming the same name fail at startup."""

from __future__ import annotations

import pytest

from bot.app import CAPABILITIES, catalog
from flows.engine.catalog import Capability, Catalog, CatalogError, Command, Intent, combined
from flows.engine.types import Reply
from tests.helpers import Person


async def _nothing(*_args: object) -> list[Reply]:
    return []


def test_two_capabilities_claiming_one_button_prefix_fail_at_startup():
    mine = Capability(name="market", choices={"case": _nothing})
    with pytest.raises(CatalogError, match="button prefix 'case' is claimed by both complaints"):
        Catalog([*CAPABILITIES, mine])


def test_two_capabilities_claiming_one_command_fail_at_startup():
    mine = Capability(
        name="broadcast",
        intents=(
            Intent(
                "announce", _nothing, commands=(Command("umumkan", "Announce", aliases=("lapor",)),)
            ),
        ),
    )
    with pytest.raises(
        CatalogError, match="command 'lapor' is claimed by both complaints and broadcast"
    ):
        Catalog([*CAPABILITIES, mine])


def test_a_desk_prefix_clashing_with_an_admin_button_fails_at_startup():
    mine = Capability(name="market", admin_choices={"s": _nothing})
    with pytest.raises(CatalogError, match="admin button prefix 's'"):
        Catalog([*CAPABILITIES, mine])


def test_two_parts_of_one_package_claiming_one_prefix_fail_at_startup():
    first = Capability(name="market.sell", choices={"lapak": _nothing})
    second = Capability(name="market.buy", choices={"lapak": _nothing})
    clash = r"'lapak' is claimed by both market\.sell and market\.buy"
    with pytest.raises(CatalogError, match=clash):
        combined("market", first, second)


def test_every_listed_command_is_understood_and_described():
    assembled = catalog()
    names = [c.name for c in assembled.commands]
    assert len(names) == len(set(names))
    assert {"start", "daftar", "surat", "lapor", "status", "profil", "batal", "bahasa"} <= set(
        names
    )
    assert all(c.description for c in assembled.commands)
    runner_handles = {"batal"}  # the runner's own; every other one leads to an intent
    assert all(assembled.by_command(n) is not None for n in set(names) - runner_handles)
    assert {c.name for c in assembled.admin_commands} == {
        "antrian",
        "kasus",
        "bantuan",
        "lapak",
        "umumkan",
        "pengumuman",
    }


async def test_officials_help_lists_what_officials_can_do_now(core, officials):
    admin = core.services.villages.all()[0].admin_chat_id
    officials.members.add((admin, "9001"))
    sekdes = Person(core, "9001", "Pak Sekdes", chat=admin)
    await sekdes.says("/bantuan")
    text = sekdes.last.text
    for said in ("/antrian", "/kasus", "permohonan surat", "pengaduan", "kartu"):
        assert said in text
