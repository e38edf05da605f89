"""What people (or pranksters) may send, at the steps that take free text."""

from __future__ import annotations

import pytest

from flows.engine.types import Kind
from tests.helpers import Person, citizens, conversation_of, fill_registration

FEMALE_NIK = "1804074107900002"


async def at_name_step(core) -> Person:
    siti = Person(core)
    await fill_registration(siti, until="name")
    return siti


@pytest.mark.parametrize(
    "text",
    [
        "A" * 10_000,
        "🙂🙂🙂",
        "<script>alert(1)</script>",
        "<b>Siti</b>",
        "\x00\x00\x00",
        "   ",
        "١٢٣٤",
    ],
    ids=["10k-chars", "emoji", "script-tag", "html", "null-bytes", "blank", "arabic-digits"],
)
async def test_bad_names_are_explained_and_asked_again(core, text):
    siti = await at_name_step(core)
    await siti.says(text)
    assert len(siti.replies) == 1  # the reason above the question, one message
    assert "Langkah 3 dari 7" in siti.last.text
    reason = siti.last.text.split("\n\n")[0]
    assert "Langkah" not in reason and len(reason) < 300
    conversation = await conversation_of(core, "1001")
    assert conversation is not None and conversation.form["full_name"] == ""
    assert conversation.form["village_code"] == "18.04.07.2001"  # earlier answer kept


async def test_control_and_bidi_characters_never_reach_storage(core):
    siti = await at_name_step(core)
    await siti.says("Siti\u202e Aminah\x00")
    await siti.says(FEMALE_NIK)
    conversation = await conversation_of(core, "1001")
    assert conversation is not None
    assert conversation.form["full_name"] == "Siti Aminah"


async def test_right_to_left_name_is_accepted_as_letters(core):
    siti = await at_name_step(core)
    await siti.says("فاطمة الزهراء")
    assert "Langkah 4 dari 7" in siti.last.text


async def test_huge_nik_is_answered_with_its_length(core):
    siti = await at_name_step(core)
    await siti.says("Siti Aminah")
    await siti.says("1" * 10_000)
    assert "Langkah 4 dari 7" in siti.last.text
    assert len(siti.replies[0].text) < 300


async def test_edited_message_is_not_taken_as_an_answer(core):
    siti = await at_name_step(core)
    await siti.says("Siti Aminah", edited=True)
    assert "bukan pesan yang diubah" in siti.replies[0].text
    assert "Langkah 3 dari 7" in siti.last.text
    conversation = await conversation_of(core, "1001")
    assert conversation is not None and conversation.form["full_name"] == ""


async def test_button_from_an_earlier_question_does_not_jump(core):
    siti = await at_name_step(core)
    await siti.presses("village:73.71.01.1001")  # the village button, pressed again later
    assert "Langkah 3 dari 7" in siti.last.text
    conversation = await conversation_of(core, "1001")
    assert conversation is not None and conversation.form["village_code"] == "18.04.07.2001"


@pytest.mark.parametrize(
    "value",
    ["", ":", "x" * 64, "ver:1:1", "faq:../../etc:1", "menu:nonexistent", "nav:", "\x00"],
)
async def test_forged_button_data_outside_a_form_gets_an_answer(core, value):
    siti = Person(core)
    await siti.presses(value)
    assert siti.replies and siti.last.buttons  # a menu to carry on from
    assert await citizens(core) == []


async def test_sticker_photo_and_voice_outside_a_form(core):
    siti = Person(core)
    for kind in (Kind.STICKER, Kind.PHOTO, Kind.VOICE, Kind.OTHER):
        await siti.sends(kind)
        assert siti.last.buttons, kind
