"""The WhatsApp renderer against Meta's documented limits."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.engine.form_flow import NAV_BACK, NAV_CANCEL
from flows.engine.types import Button, Expect, Media, MediaKind, Reply, rows
from handlers.whatsapp.render import MORE_PREFIX, Labels, render, split_text

BACK = Button("⬅️ Kembali", f"{NAV_BACK}:village")
CANCEL = Button("❌ Batal", NAV_CANCEL)


def check_limits(messages: list[dict[str, Any]]) -> None:
    """Every message within what Meta accepts."""
    for message in messages:
        if message["type"] == "text":
            assert 0 < len(message["text"]["body"]) <= 4096
            continue
        if message["type"] != "interactive":
            continue
        interactive = message["interactive"]
        body = interactive["body"]["text"]
        assert body.strip()
        if interactive["type"] == "button":
            titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
            assert 1 <= len(titles) <= 3 and len(set(titles)) == len(titles)
            assert all(0 < len(t) <= 20 for t in titles)
            assert len(body) <= 1024
        elif interactive["type"] == "list":
            action = interactive["action"]
            rows_ = [r for s in action["sections"] for r in s["rows"]]
            titles = [r["title"] for r in rows_]
            assert 1 <= len(rows_) <= 10 and len(set(titles)) == len(titles)
            assert all(0 < len(t) <= 24 for t in titles)
            assert all(len(r.get("description", "")) <= 72 for r in rows_)
            assert all(len(r["id"]) <= 200 for r in rows_)
            assert 0 < len(action["button"]) <= 20
            assert len(body) <= 4096


def choices_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    interactive = message["interactive"]
    if interactive["type"] == "button":
        return [(b["reply"]["title"], b["reply"]["id"]) for b in interactive["action"]["buttons"]]
    return [(r["title"], r["id"]) for s in interactive["action"]["sections"] for r in s["rows"]]


def test_three_choices_are_reply_buttons_with_long_labels_cut_at_a_word():
    reply = Reply(
        "Pilih:",
        rows(
            Button("📄 Surat keterangan tidak mampu", "a"),
            Button("📄 Surat keterangan tidak mampu lagi", "b"),
            CANCEL,
        ),
        Expect.CHOICE,
    )
    [message] = render(reply)
    check_limits([message])
    titles = [t for t, _ in choices_of(message)]
    assert message["interactive"]["type"] == "button"
    # The emoji went first, then whole words; the two stay apart.
    assert titles[:2] == ["Surat keterangan…", "Surat keterangan… 2"]
    assert titles[2] == "❌ Batal"


def test_four_to_ten_choices_are_one_list():
    buttons = [Button(f"Dusun Nomor {n}", f"dusun:{n}") for n in range(8)]
    [message] = render(Reply("Dusun mana?", rows(*buttons, BACK, CANCEL), Expect.CHOICE))
    check_limits([message])
    assert message["interactive"]["type"] == "list"
    assert len(choices_of(message)) == 10


def test_more_than_ten_choices_page_on_with_navigation_on_every_page():
    buttons = [Button(f"Desa Nomor {n}", f"village:{n}") for n in range(25)]
    reply = Reply("Desa mana?", rows(*buttons, BACK, CANCEL), Expect.CHOICE)
    seen: list[str] = []
    page = 0
    for _ in range(10):
        [message] = render(reply, Labels(), page)
        check_limits([message])
        ids = [choice for _, choice in choices_of(message)]
        assert BACK.value in ids and CANCEL.value in ids  # Kembali and Batal stay reachable
        [more] = [i for i in ids if i.startswith(MORE_PREFIX)]
        seen += [i for i in ids if i.startswith("village:")]
        page = int(more.removeprefix(MORE_PREFIX))
        if page == 0:
            break
    assert seen == [b.value for b in buttons]  # every choice once, in order, then round again


def test_a_5000_character_text_is_split_at_a_boundary():
    paragraph = "Kalimat yang cukup panjang untuk diuji. " * 25
    text = "\n\n".join([paragraph.strip()] * 5)
    assert len(text) > 5000
    messages = render(Reply(text))
    check_limits(messages)
    assert len(messages) == 2
    bodies = [m["text"]["body"] for m in messages]
    assert "".join(b.replace("\n", "").replace(" ", "") for b in bodies) == text.replace(
        "\n", ""
    ).replace(" ", "")
    assert bodies[0].endswith(".")  # cut between paragraphs, not inside a word


def test_a_body_too_long_for_buttons_goes_first_as_text():
    reply = Reply("x " * 700, rows(Button("Ya", "y"), Button("Tidak", "n")), Expect.CHOICE)
    messages = render(reply)
    check_limits(messages)
    assert [m["type"] for m in messages] == ["text", "interactive"]


def test_location_step_asks_with_whatsapps_location_button_and_keeps_its_choices():
    reply = Reply(
        "Di mana lokasinya?",
        rows(Button("⏭️ Lewati", "loc:skip"), BACK, CANCEL),
        Expect.LOCATION,
        share_label="📍 Kirim lokasi",
    )
    messages = render(reply)
    check_limits(messages)
    assert messages[0]["interactive"]["type"] == "location_request_message"
    assert [i for _, i in choices_of(messages[1])] == ["loc:skip", BACK.value, NAV_CANCEL]


def test_stored_media_name_their_store_reference_and_legacy_file_ids_are_left_out():
    reply = Reply(
        "Laporan",
        media=(
            Media(MediaKind.PHOTO, "m:12"),
            Media(MediaKind.VOICE, "AgADtelegram"),
            Media(MediaKind.LOCATION, "-5.1,105.6"),
        ),
    )
    messages = render(reply)
    # The sending side swaps the reference for WhatsApp's media id (uploading if need be).
    assert messages[0] == {"type": "image", "image": {"id": "m:12"}}
    assert messages[1] == {"type": "location", "location": {"latitude": -5.1, "longitude": 105.6}}
    assert [m["type"] for m in messages[2:]] == ["text"]
    assert messages[2]["text"]["body"] == "Laporan"


def test_a_photo_carries_its_caption_as_typed():
    reply = Reply("Hasil", media=(Media(MediaKind.PHOTO, "m:3", caption="1. <b>Kopi</b>"),))
    assert render(reply)[0] == {
        "type": "image",
        "image": {"id": "m:3", "caption": "1. <b>Kopi</b>"},
    }


labels = st.text(min_size=1, max_size=60).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=6000),
    choices=st.lists(labels, min_size=0, max_size=30),
    page=st.integers(min_value=0, max_value=5),
)
def test_any_reply_stays_within_the_limits(text: str, choices: list[str], page: int) -> None:
    buttons = [Button(label, f"c:{n}") for n, label in enumerate(choices)]
    check_limits(render(Reply(text or ".", rows(*buttons), Expect.CHOICE), Labels(), page))


@given(st.text(max_size=9000))
def test_split_text_keeps_every_character_but_the_cut_whitespace(text: str) -> None:
    pieces = split_text(text)
    assert all(len(p) <= 4096 for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


def test_a_contact_step_asks_for_the_number_typed():
    reply = Reply("Nomor HP Anda?", rows(BACK, CANCEL), Expect.CONTACT, share_label="📱 Bagikan")
    [message] = render(reply)
    check_limits([message])
    assert "ketik nomor HP" in message["interactive"]["body"]["text"]


def test_one_message_puts_a_photo_and_its_text_together_where_they_fit():
    photo = (Media(MediaKind.PHOTO, "m:7"),)
    buttons = rows(Button("✅ Sudah saya baca", "ann:read:1"), per_row=1)
    [with_buttons] = render(Reply("Posyandu Sabtu.", buttons, media=photo), one_message=True)
    assert with_buttons["interactive"]["header"] == {"type": "image", "image": {"id": "m:7"}}
    assert with_buttons["interactive"]["body"]["text"] == "Posyandu Sabtu."
    [alone] = render(Reply("Posyandu Sabtu.", media=photo), one_message=True)
    assert alone == {"type": "image", "image": {"id": "m:7", "caption": "Posyandu Sabtu."}}
    long = Reply("x" * 1025, buttons, media=photo)
    assert len(render(long, one_message=True)) > 1  # too long for one: as before
    assert render(long, one_message=True) == render(long)
