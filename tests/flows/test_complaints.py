"""Pengaduan end to end in-process: resident, officials, outbox, time."""

from __future__ import annotations

from datetime import timedelta

from bot.reminders import CaseWatch
from flows.engine.types import Kind, Location
from storage.models import AuditEntry, Case, CaseEvent, CaseSubscriber
from tests.helpers import Person, outbox, register, rows

ADMIN = "-1001000000001"
MASJID = Location(-5.2000, 105.6000)
POTHOLE = "Jalan di depan masjid Al-Ikhlas berlubang besar, motor sering jatuh"


async def resident(core, user_id="1001", name="Siti Aminah", nik="1804074107900002") -> Person:
    person = Person(core, user_id, name.split()[0])
    await register(person, name=name, nik=nik, phone=f"08123456{user_id[-4:]}")
    return person


def official(core, officials, user_id="9001", name="Pak Sekdes") -> Person:
    officials.members.add((ADMIN, user_id))
    return Person(core, user_id, name, chat=ADMIN)


async def report(
    person: Person,
    text: str = POTHOLE,
    *,
    secret: bool = False,
    where: Location | None = MASJID,
) -> str:
    """Category, text, skip photos, location, send: the five taps of the issue."""
    await person.says("/lapor")
    await person.taps("Jalan & Jembatan")
    await person.says(text)
    await person.taps("Lewati")
    if where is not None:
        await person.sends(Kind.LOCATION, location=where)
    else:
        await person.says("depan balai dusun Krajan")
    await person.taps("Kirim rahasia" if secret else "✅ Kirim")
    [case] = [
        c
        for c in await rows(person.core, Case)
        if c.citizen_id is not None and c.data.get("description") == text
    ]
    return case.code


async def supporter(core) -> Person:
    """A second resident who reports the same pothole a few metres away and supports it."""
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    await budi.says("/lapor")
    await budi.taps("Jalan & Jembatan")
    await budi.says(POTHOLE)
    await budi.taps("Lewati")
    await budi.sends(Kind.LOCATION, location=Location(-5.2001, 105.6001))
    await budi.taps("Ikut mendukung")
    return budi


async def card_buttons(core, code: str, chat: str = ADMIN) -> dict[str, str]:
    """The newest card (or card edit) for a case in the admin chat: label -> value."""
    cards = [
        m
        for m in await outbox(core)
        if m.chat_id == chat and code in m.payload["text"] and m.payload["buttons"]
    ]
    return {label: value for row in cards[-1].payload["buttons"] for label, value in row}


async def messages_to(core, chat_id: str) -> list[str]:
    return [m.payload["text"] for m in await outbox(core) if m.chat_id == chat_id]


async def test_five_interactions_give_a_code_and_a_card(core):
    siti = await resident(core)
    code = await report(siti)
    assert code.startswith("ADU-") and len(code) == 8
    assert not set(code[4:]) & set("0O1IL25S8B6GQDUV")  # easy to read aloud
    assert "/status " + code in siti.replies[-1].text
    assert "3 hari" in siti.replies[-1].text  # the category's response time
    card = next(m for m in await outbox(core) if m.chat_id == ADMIN and code in m.payload["text"])
    assert "Siti Aminah" in card.payload["text"] and "+62 812-****-1001" in card.payload["text"]
    assert ["location", "-5.2,105.6"] in card.payload["media"]


async def test_free_text_starts_a_report_with_category_and_text(core):
    siti = await resident(core)
    await siti.says("lampu jalan mati di dusun krajan sejak seminggu")
    # Straight to photos; what the text answered is not counted as steps.
    assert "Langkah 1 dari 2" in siti.last.text


async def test_voice_note_and_three_photos(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Air Bersih")
    await siti.says("hai")  # too short
    assert "Langkah 2 dari 4" in siti.last.text
    await siti.sends(Kind.VOICE, media_id="VOICE-1")
    for n in range(1, 4):
        await siti.sends(Kind.PHOTO, media_id=f"PHOTO-{n}")
    assert "Langkah 4 dari 4" in siti.last.text  # the third photo ends the step
    await siti.says("sumur umum RT 03")
    await siti.taps("✅ Kirim")
    [case] = await rows(core, Case)
    assert case.data["voice"] == "VOICE-1" and case.data["photos"] == [
        "PHOTO-1",
        "PHOTO-2",
        "PHOTO-3",
    ]
    card = next(
        m for m in await outbox(core) if m.chat_id == ADMIN and case.code in m.payload["text"]
    )
    kinds = [kind for kind, _ in card.payload["media"]]
    assert kinds == ["photo", "photo", "photo", "voice"]


async def test_security_category_shows_its_notice_first(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Keamanan")
    assert "110" in siti.last.text


async def test_confidential_report_hides_the_reporter_from_officials(core, officials):
    siti = await resident(core)
    code = await report(siti, secret=True)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["❓ Tanya pelapor"])
    await sekdes.says("Sejak kapan?")
    [question] = [
        m for m in await outbox(core) if m.chat_id == "1001" and "Sejak kapan" in m.payload["text"]
    ]
    await siti.presses(question.payload["buttons"][0][0][1])
    await siti.says("Sejak hari Senin")
    to_admin = [m.payload["text"] for m in await outbox(core) if m.chat_id == ADMIN][1:]
    to_admin += [r.text for r in sekdes.replies]
    for text in to_admin:
        for secret in ("Siti", "Aminah", "1804074107900002", "1001", "3456"):
            assert secret not in text, (secret, text)
    assert any("Sejak hari Senin" in t for t in to_admin)


async def test_similar_report_nearby_offers_support(core):
    siti = await resident(core)
    code = await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    await budi.says("/lapor")
    await budi.taps("Jalan & Jembatan")
    await budi.says("jalan depan masjid Al-Ikhlas berlubang besar sekali")
    await budi.taps("Lewati")
    await budi.sends(Kind.LOCATION, location=Location(-5.2005, 105.6005))  # ~80 m away
    assert code in budi.last.text
    await budi.taps("Ikut mendukung")
    assert len(await rows(core, Case)) == 1
    roles = sorted(s.role for s in await rows(core, CaseSubscriber))
    assert roles == ["reporter", "supporter"]
    assert "2" in (await messages_to(core, ADMIN))[-1]  # card now counts two residents


async def test_similar_report_far_away_is_not_offered(core):
    siti = await resident(core)
    await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    await report(budi, POTHOLE + " juga", where=Location(-5.2100, 105.6100))  # ~1.5 km
    assert len(await rows(core, Case)) == 2


async def test_supporter_is_told_of_status_changes(core, officials):
    siti = await resident(core)
    code = await report(siti)
    budi = await supporter(core)
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    assert any("Diproses" in t for t in await messages_to(core, "2002"))
    await budi.says(f"/status {code}")
    assert "Diproses" in budi.last.text


async def test_question_and_answer_are_relayed(core, officials):
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["❓ Tanya pelapor"])
    assert sekdes.last.expects.value == "text"
    await sekdes.says("Seberapa besar lubangnya?")
    [question] = [m for m in await outbox(core) if "Seberapa besar" in m.payload["text"]]
    assert question.chat_id == "1001"
    await siti.presses(question.payload["buttons"][0][0][1])
    await siti.sends(Kind.PHOTO, media_id="PHOTO-ANSWER", text="Sebesar ban motor")
    relayed = [
        m
        for m in await outbox(core)
        if m.chat_id == ADMIN and "Sebesar ban motor" in m.payload["text"]
    ]
    assert relayed and relayed[0].payload["reply_to_key"] == f"case-card:{relayed[0].id and 1}"
    assert relayed[0].payload["media"] == [["photo", "PHOTO-ANSWER"]]
    [case] = await rows(core, Case)
    assert case.status == "in_progress"


async def test_reject_needs_a_reason(core, officials):
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["⛔ Tolak"])
    await sekdes.sends(Kind.STICKER)
    assert "teks" in sekdes.replies[0].text.lower()
    await sekdes.says("Jalan kabupaten, bukan kewenangan desa; sudah diteruskan ke Dinas PU")
    [case] = await rows(core, Case)
    assert case.status == "rejected" and case.closed_at is not None
    told = await messages_to(core, "1001")
    assert any("Ditolak" in t and "Dinas PU" in t for t in told)
    [event] = [e for e in await rows(core, CaseEvent) if e.action == "reject"]
    assert event.actor == "Pak Sekdes" and "Dinas PU" in (event.note or "")


async def test_two_officials_pressing_at_once_give_one_decision(core, officials):
    import asyncio

    siti = await resident(core)
    code = await report(siti)
    take = (await card_buttons(core, code))["🛠️ Proses"]
    sekdes = official(core, officials, "9001", "Pak Sekdes")
    kaur = official(core, officials, "9002", "Bu Kaur")
    await asyncio.gather(sekdes.presses(take), kaur.presses(take))
    [case] = await rows(core, Case)
    assert case.version == 2 and case.assignee in ("Pak Sekdes", "Bu Kaur")
    loser = kaur if case.assignee == "Pak Sekdes" else sekdes
    assert case.assignee in loser.replies[0].text
    outcomes = sorted(a.outcome for a in await rows(core, AuditEntry) if a.action == "take")
    assert outcomes == ["done", "stale"]
    told = [t for t in await messages_to(core, "1001") if "Diproses" in t]
    assert len(told) == 1


async def test_stale_card_is_refused_and_refreshed(core, officials):
    siti = await resident(core)
    code = await report(siti)
    old = await card_buttons(core, code)
    sekdes = official(core, officials)
    await sekdes.presses(old["🛠️ Proses"])
    await sekdes.presses(old["✅ Selesai"])  # from the card as it was before
    assert "Pak Sekdes" in sekdes.replies[0].text
    assert "Diproses" in sekdes.last.text  # the refreshed card
    [case] = await rows(core, Case)
    assert case.status == "in_progress"


async def test_non_member_cannot_act_on_a_case(core, officials):
    siti = await resident(core)
    code = await report(siti)
    stranger = Person(core, "6666", "Orang Lain", chat=ADMIN)
    await stranger.presses((await card_buttons(core, code))["🛠️ Proses"])
    assert "hanya untuk petugas" in stranger.last.text
    [case] = await rows(core, Case)
    assert case.status == "new"


async def test_duplicate_moves_reporters_to_the_other_case(core, officials):
    siti = await resident(core)
    first = await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    second = await report(budi, "Aspal mengelupas di tikungan dekat pos ronda", where=None)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, second))["🔁 Duplikat"])
    await sekdes.says("ADU-XXXX")
    assert "ADU-XXXX" in sekdes.replies[0].text  # no such code: asked again
    await sekdes.says(first.lower())
    cases_by_code = {c.code: c for c in await rows(core, Case)}
    assert cases_by_code[second].status == "duplicate"
    assert cases_by_code[second].related_case_id == cases_by_code[first].id
    assert any(first in t for t in await messages_to(core, "2002"))


async def test_reminder_then_escalation_naming_the_head(core, clock):
    siti = await resident(core)
    code = await report(siti)
    watch = CaseWatch(core.services, core.sessions)
    clock.advance(hours=71)
    assert await watch.run_once() == 0
    clock.advance(hours=2)
    assert await watch.run_once() == 1
    assert await watch.run_once() == 0  # once
    reminders = [t for t in await messages_to(core, ADMIN) if "⏰" in t]
    assert len(reminders) == 1 and code in reminders[0]
    clock.advance(hours=72)
    assert await watch.run_once() == 1
    [escalation] = [t for t in await messages_to(core, ADMIN) if "⏫" in t]
    assert code in escalation and "Kepala Desa" in escalation


async def test_taken_case_gets_no_reminder(core, clock, officials):
    siti = await resident(core)
    code = await report(siti)
    await official(core, officials).presses((await card_buttons(core, code))["🛠️ Proses"])
    clock.advance(days=10)
    assert await CaseWatch(core.services, core.sessions).run_once() == 0


async def resolved(core, officials, clock) -> tuple[Person, str]:
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["✅ Selesai"])
    await sekdes.says("Sudah ditambal dengan aspal oleh warga dan desa")
    told = await messages_to(core, "1001")
    assert any("Selesai" in t and "ditambal" in t for t in told)
    clock.advance(days=3, minutes=1)
    assert await CaseWatch(core.services, core.sessions).run_once() == 1
    return siti, code


async def test_follow_up_not_fixed_reopens_with_the_note(core, officials, clock):
    siti, _code = await resolved(core, officials, clock)
    [ask] = [m for m in await outbox(core) if m.chat_id == "1001" and "beres" in m.payload["text"]]
    no = next(v for row in ask.payload["buttons"] for label, v in row if "Belum" in label)
    await siti.presses(no)
    await siti.says("Lubangnya muncul lagi setelah hujan")
    [case] = await rows(core, Case)
    assert case.status == "in_progress" and case.closed_at is None
    assert any("muncul lagi" in t for t in await messages_to(core, ADMIN))


async def test_follow_up_fixed_then_rating_and_comment(core, officials, clock):
    siti, _code = await resolved(core, officials, clock)
    [ask] = [m for m in await outbox(core) if m.chat_id == "1001" and "beres" in m.payload["text"]]
    yes = next(v for row in ask.payload["buttons"] for label, v in row if "Sudah" in label)
    await siti.presses(yes)
    assert {"Tidak baik", "Kurang baik", "Baik", "Sangat baik"} <= set(siti.buttons())
    await siti.taps("Sangat baik")
    await siti.says("Cepat sekali, terima kasih")
    [case] = await rows(core, Case)
    assert case.data["rating"] == 4 and case.data["rating_comment"] == "Cepat sekali, terima kasih"
    assert case.status == "done"


async def test_status_shows_only_ones_own_reports(core):
    siti = await resident(core)
    code = await report(siti)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    await budi.says(f"/status {code}")
    assert POTHOLE not in budi.text
    await siti.says(f"/status {code.lower()}")
    assert POTHOLE in siti.last.text and "Baru" in siti.last.text
    await siti.taps("Pengaduan saya")
    assert code in siti.last.text


async def test_adding_information_reaches_the_card_thread(core):
    siti = await resident(core)
    code = await report(siti)
    await siti.says(f"/status {code}")
    await siti.taps("Tambah info")
    await siti.sends(Kind.VOICE, media_id="VOICE-MORE")
    [relay] = [m for m in await outbox(core) if m.payload["media"] == [["voice", "VOICE-MORE"]]]
    assert relay.chat_id == ADMIN and code in relay.payload["text"]


async def test_queue_and_case_history_for_officials(core, officials, clock):
    siti = await resident(core)
    first = await report(siti)
    clock.advance(hours=5)
    budi = await resident(core, "2002", "Budi Santoso", "1804070101900003")
    second = await report(budi, "Sampah menumpuk di pinggir jalan dekat pasar", where=None)
    sekdes = official(core, officials)
    await sekdes.says("/antrian")
    text = sekdes.last.text
    assert text.index(first) < text.index(second)  # oldest first
    await sekdes.presses((await card_buttons(core, first))["🛠️ Proses"])
    await sekdes.says(f"/kasus {first}")
    assert "Pak Sekdes · diproses" in sekdes.last.text


async def test_cancel_mid_report_sends_nothing(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("/batal")
    assert await rows(core, Case) == []


async def test_send_twice_makes_one_case(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.taps("Lewati")
    await siti.says("depan masjid")
    send = next(b.value for row in siti.last.buttons for b in row if "✅ Kirim" in b.label)
    await siti.presses(send)
    await siti.presses(send)
    assert len(await rows(core, Case)) == 1


async def test_unreachable_reporter_is_shown_on_the_card(core, officials):
    from storage import people

    siti = await resident(core)
    code = await report(siti)
    async with core.sessions() as session, session.begin():
        await people.mark_unreachable(
            session, "telegram", "1001", core.services.clock() + timedelta(0)
        )
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["🛠️ Proses"])
    assert "Pelapor telah memblokir bot" in sekdes.last.text


async def test_hostile_report_text_is_cleaned_or_refused(core):
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says("x" * 10_000)
    [reply] = siti.replies  # the reason above the question, one message
    assert "1.000 huruf" in reply.text and "Langkah 2 dari 4" in reply.text
    await siti.sends(Kind.STICKER)
    assert "Langkah 2 dari 4" in siti.last.text
    await siti.says("<script>alert(1)</script>\x00 jalan\u202e berlubang di RT 02")
    await siti.taps("Lewati")
    await siti.sends(Kind.DOCUMENT, media_id="FILE")  # a file where a place is asked
    assert "Langkah 4 dari 4" in siti.last.text
    await siti.says("depan masjid")
    await siti.taps("✅ Kirim")
    [case] = await rows(core, Case)
    assert case.data["description"] == "<script>alert(1)</script> jalan berlubang di RT 02"


async def test_forged_take_on_a_done_case_does_not_reopen_it(core, officials, clock):
    """Regression: Take was allowed from Done because reporters may reopen."""
    await resolved(core, officials, clock)
    [case] = await rows(core, Case)
    sekdes = official(core, officials)
    await sekdes.presses(f"c:take:{case.id}:{case.version}")
    [case] = await rows(core, Case)
    assert case.status == "done"


async def test_edited_message_in_the_admin_chat_is_not_taken_as_a_note(core, officials):
    """Regression: an official's edit of an old message became the rejection reason."""
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["⛔ Tolak"])
    await sekdes.says("rapat jam 2", edited=True)
    [case] = await rows(core, Case)
    assert case.status == "new"


async def test_supporter_cannot_answer_for_the_reporter(core, officials):
    siti = await resident(core)
    code = await report(siti)
    budi = await supporter(core)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["❓ Tanya pelapor"])
    await sekdes.says("Seberapa dalam?")
    [case] = await rows(core, Case)
    await budi.presses(f"case:answer:{case.id}")  # forged: the button is the reporter's
    await budi.says("Dalam sekali")
    [case] = await rows(core, Case)
    assert case.status == "awaiting_reporter"
    [relay] = [m for m in await outbox(core) if "Dalam sekali" in m.payload["text"]]
    assert "pendukung" in relay.payload["text"]


async def test_an_answer_typed_without_pressing_answer_reaches_the_officials(core, officials):
    """Regression: typing the answer to ❓ Tanya pelapor without ✍️ Jawab got "Maaf, saya
    kurang paham" and the answer was lost."""
    siti = await resident(core)
    code = await report(siti)
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["❓ Tanya pelapor"])
    await sekdes.says("Seberapa besar lubangnya?")
    await siti.says("Kira-kira sebesar ban motor, dalamnya sejengkal")
    assert f"Jawaban Anda untuk laporan {code}" in siti.text
    relayed = [
        m
        for m in await outbox(core)
        if m.chat_id == ADMIN and "sebesar ban motor" in m.payload["text"]
    ]
    assert len(relayed) == 1 and relayed[0].payload["reply_to_key"] == "case-card:1"
    [case] = await rows(core, Case)
    assert case.status == "in_progress"
    await siti.says("lampu jalan mati di depan masjid")  # nothing is asked any more
    assert "Jawaban Anda" not in siti.text


async def test_long_text_is_refused_with_its_limit_never_cut(core):
    """Regression: a 3,000-character landmark was stored as its first 200 characters."""
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.taps("Lewati")
    assert "paling banyak 200 huruf" in siti.text  # said before
    await siti.says("dekat masjid " * 250)
    assert "paling banyak 200 huruf" in siti.text and "3.249" in siti.text  # and when reached
    await siti.says("depan masjid Al-Ikhlas")
    await siti.taps("✅ Kirim")
    [case] = await rows(core, Case)
    assert case.data["landmark"] == "depan masjid Al-Ikhlas"


async def test_the_card_names_the_reporter_once(core, officials):
    """Regression: the card read "Terakhir: dikirim oleh pelapor (pelapor, ...)"."""
    siti = await resident(core)
    code = await report(siti)
    card = next(m for m in await outbox(core) if m.chat_id == ADMIN and code in m.payload["text"])
    text = card.payload["text"]
    assert "Terakhir: dikirim oleh pelapor (22 November 2026" in text
    assert "(pelapor," not in text
    # An official's action still names who did it.
    sekdes = official(core, officials)
    await sekdes.presses((await card_buttons(core, code))["🛠️ Proses"])
    edited = [m.payload["text"] for m in await outbox(core) if m.chat_id == ADMIN]
    assert any("(Pak Sekdes, 22 November 2026" in t for t in edited)


async def test_a_photo_is_acknowledged_once(core):
    """Regression: "📷 Foto sudah diterima." came right before "Foto 1 dari 3 sudah
    diterima." for the same photo."""
    siti = await resident(core)
    await siti.says("/lapor")
    await siti.taps("Jalan & Jembatan")
    await siti.says(POTHOLE)
    await siti.sends(Kind.PHOTO, media_id="PHOTO-1")
    assert len(siti.replies) == 1
    assert "Foto 1 dari 3 sudah diterima" in siti.text and "Foto sudah diterima" not in siti.text
    assert "Selesai kirim foto" in " ".join(siti.buttons())


async def test_a_supporter_joining_is_not_put_on_the_reporter(core):
    """Regression: the card read "warga lain ikut mendukung (pelapor, ...)"."""
    siti = await resident(core)
    code = await report(siti)
    await supporter(core)
    cards = [m.payload["text"] for m in await outbox(core) if m.chat_id == ADMIN]
    last = [t for t in cards if code in t][-1]
    [line] = [x for x in last.splitlines() if x.startswith("Terakhir:")]
    assert "ikut mendukung" in line and "pelapor" not in line
