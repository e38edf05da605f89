"""The form engine across upgrades: stored conversations whose step no longer exists."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import Conversation
from tests.helpers import Person, fill_registration, rows


async def test_a_stored_step_that_no_longer_exists_resumes_at_the_first_open_question(core):
    """An upgrade renamed a step while someone was on it: keep their answers, ask what is
    still open, never crash or start over."""
    siti = Person(core, "1001", "Siti")
    await fill_registration(siti, until="nik")
    assert "NIK" in siti.text
    async with core.sessions() as session, session.begin():
        await session.execute(update(Conversation).values(step="an_old_step_name"))
    await siti.says("1804074107900002")
    # The NIK question is asked again (its answer was not taken), the name is kept.
    assert "NIK" in siti.text and "Maaf" not in siti.text
    [conversation] = await rows(core, Conversation)
    assert conversation.step == "nik" and conversation.form["full_name"] == "Siti Aminah"
    await siti.says("1804074107900002")
    assert "dusun" in siti.text.lower()
