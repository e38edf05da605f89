"""The residents: when each writes (a Poisson schedule) and what (a registration-heavy mix).

A resident acts on the last message the bot sent to its chat, as a person would:
- inline buttons: mostly press one (Daftar, Saya setuju, Simpan and the like more often;
  Batal, Tidak setuju and Hapus seldom), sometimes type instead, now and then a command;
- a reply keyboard asking for the contact: mostly share the contact (their own user id),
  or type the number, or tap one of its words;
- no buttons: type an answer fitting the question (a name, their NIK, a date, an address,
  an RT/RW, a phone number, "ya"), sometimes nonsense, so that wrong-input paths run too.
The echo bot's residents send the same kinds of updates in the same proportions as
Balai's residents have so far (its answers always carry one inline button to press).
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.bench.seed import nik_of

FIRST_NAMES = ("Siti", "Budi", "Rina", "Agus", "Dewi", "Joko", "Sri", "Ahmad", "Nur", "Eko")
LAST_NAMES = ("Aminah", "Santoso", "Wulandari", "Setiawan", "Lestari", "Susilo", "Rahayu")
COMMANDS = ("/start", "/menu", "/daftar", "/daftar", "/bantuan", "/menu")
NONSENSE = ("asdf qwerty", "???", "12", "ok", "🙂", "hmm gimana ya", "xxxxxxxxxxxxxxxxx")
# Kinds of update a resident sends (the report counts them).
COMMAND, TEXT, PRESS, CONTACT, PHOTO = "command", "text", "press", "contact", "photo"
KINDS = (COMMAND, TEXT, PRESS, CONTACT, PHOTO)
# Where the NIKs of the bench's residents start (seeded residents stay far below).
NIK_SERIAL_BASE = 9000 * 13440


def schedule(users: int, rate: float, duration: float, rng_seed: int) -> list[list[float]]:
    """Each resident's Poisson times (seconds from the start); together `rate` per second."""
    rng = random.Random(rng_seed)  # noqa: S311 (a schedule, not secrets)
    per_user = rate / users
    times: list[list[float]] = []
    for _ in range(users):
        mine, t = [], rng.expovariate(per_user)
        while t < duration:
            mine.append(t)
            t += rng.expovariate(per_user)
        times.append(mine)
    return times


@dataclass
class Shown:
    """A message the bot put in the chat, as the resident sees it."""

    message_id: int
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # inline: (label, data)
    words: list[str] = field(default_factory=list)  # a reply keyboard's plain buttons
    asks_contact: bool = False


@dataclass
class Pending:
    """One update a resident sent and whether, when, the bot answered."""

    kind: str
    detail: str
    pushed_at: float = 0.0
    answered_at: float | None = None
    update_id: int = 0

    @property
    def latency(self) -> float | None:
        return None if self.answered_at is None else self.answered_at - self.pushed_at


@dataclass
class Resident:
    """One resident in one bot's chat."""

    index: int
    user_id: int
    name: str
    rng: random.Random
    messages: dict[int, Shown] = field(default_factory=dict)
    last_id: int | None = None
    waiting: list[Pending] = field(default_factory=list)
    sent: int = 0
    kinds: list[str] = field(default_factory=list)  # of the updates sent, in order

    @property
    def last(self) -> Shown | None:
        return self.messages.get(self.last_id) if self.last_id is not None else None

    @property
    def nik(self) -> str:
        return nik_of(NIK_SERIAL_BASE + self.index, female=self.index % 2 == 1)

    @property
    def phone(self) -> str:
        return f"0812{self.user_id % 100_000_000:08d}"

    def saw(self, message_id: int, text: str, markup: Any, edited: bool) -> None:
        """The bot sent (or edited) a message in this chat."""
        shown = Shown(message_id, text)
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    if "callback_data" in button:
                        shown.buttons.append((str(button["text"]), str(button["callback_data"])))
            for row in markup.get("keyboard") or []:
                for button in row:
                    if isinstance(button, dict) and button.get("request_contact"):
                        shown.asks_contact = True
                    elif isinstance(button, dict) and not button.get("request_location"):
                        shown.words.append(str(button.get("text", "")))
                    elif isinstance(button, str):
                        shown.words.append(button)
        self.messages[message_id] = shown
        if not edited or self.last_id is None or message_id > self.last_id:
            self.last_id = message_id
        if len(self.messages) > 8:
            del self.messages[min(self.messages)]

    # --- what to send -----------------------------------------------------------------
    def balai_action(self) -> tuple[str, str, dict[str, Any]]:
        """(kind, detail, update without update_id) for Balai, from the last message."""
        last, rng = self.last, self.rng
        if last is None:
            return self._command("/start")
        x = rng.random()
        if x < 0.05:
            return self._command(rng.choice(COMMANDS))
        if x < 0.06:
            return self._command("/batal")
        if last.asks_contact:
            y = rng.random()
            if y < 0.6:
                return CONTACT, "own", self._message(contact=self._contact())
            if y < 0.85 or not last.words:
                return self._text("phone", self.phone)
            return self._text("word", rng.choice(last.words))
        if _PHOTO.search(last.text.lower()) and x < 0.8:
            return PHOTO, "photo", self._message(photo=self._photo())
        choices = [b for b in last.buttons if not _navigation(*b)]
        if not choices and last.buttons and x > 0.92:
            # Only Kembali and Batal under it: a question to answer by typing, mostly.
            choices = last.buttons
        if choices and x < 0.88:
            label, data = self._pick(choices)
            return PRESS, _button_name(label), self._press(last, data)
        return self._typed(last.text)

    def echo_action(
        self, twin: list[str], by_step: list[Counter[str]]
    ) -> tuple[str, str, dict[str, Any]]:
        """The same kinds of update as Balai's residents: the kind that the same resident
        sent Balai at this step, or (not there yet) one drawn from what Balai's residents
        sent at this step, or at any step."""
        last, rng = self.last, self.rng
        step = len(self.kinds)
        if last is None:
            return self._command("/start")
        if step < len(twin):
            kind = twin[step]
        else:
            seen = by_step[step] if step < len(by_step) else Counter()
            if not seen:
                seen = sum(by_step, Counter())
            kind = rng.choices(list(seen), list(seen.values()))[0] if seen else TEXT
        if kind == COMMAND:
            return self._command(rng.choice((*COMMANDS, "/batal")))
        if kind == PRESS and last.buttons:
            return PRESS, "echo", self._press(last, last.buttons[0][1])
        if kind == CONTACT:
            return CONTACT, "own", self._message(contact=self._contact())
        if kind == PHOTO:
            return PHOTO, "photo", self._message(photo=self._photo())
        return self._typed(last.text)

    def _pick(self, buttons: list[tuple[str, str]]) -> tuple[str, str]:
        weights = [_weight(label, data) for label, data in buttons]
        return self.rng.choices(buttons, weights)[0]

    def _typed(self, prompt: str) -> tuple[str, str, dict[str, Any]]:
        rng = self.rng
        if rng.random() < 0.1:
            return self._text("nonsense", rng.choice(NONSENSE))
        lines = [line for line in prompt.lower().splitlines() if line.strip()]
        # The question is the last line; the lines before it may name other things.
        what = _asked(lines[-1]) if lines else None
        what = what or _asked(prompt.lower())
        if what is None:
            # Nothing asked: something a resident might write out of the blue.
            guess = rng.choice(("name", "address", "ya", "complaint", "letter", "info"))
            return self._text(f"free:{guess}", self._answer(guess))
        return self._text(what, self._answer(what))

    def _answer(self, what: str) -> str:
        rng = self.rng
        if what == "nik":
            # Now and then a NIK with a digit too few, as people mistype them.
            return self.nik if rng.random() < 0.85 else self.nik[:-1]
        return {
            "name": self.name,
            "date": f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-19{rng.randint(60, 99)}",
            "rtrw": f"{rng.randint(1, 12):02d}/{rng.randint(1, 5):02d}",
            "phone": self.phone,
            "address": f"Jl. Mawar No. {rng.randint(1, 40)} RT {rng.randint(1, 12):02d}",
            "year": str(rng.randint(1990, 2024)),
            "number": str(rng.randint(1, 20)),
            "ya": rng.choice(("ya", "Ya", "iya", "tidak")),
            "complaint": rng.choice(
                (
                    "jalan rusak di depan masjid dusun 2",
                    "lampu jalan mati di gang mawar",
                    "sampah menumpuk dekat jembatan",
                )
            ),
            "letter": rng.choice(("mau bikin sktm", "surat domisili", "srt usaha")),
            "info": rng.choice(("jam buka kantor", "mau daftar", "syarat surat domisili")),
        }[what]

    # --- updates ----------------------------------------------------------------------
    def _user(self) -> dict[str, Any]:
        first, _, last = self.name.partition(" ")
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": first,
            "last_name": last,
            "language_code": "id",
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.name}

    def _message(self, **content: Any) -> dict[str, Any]:
        self.sent += 1
        return {
            "message": {
                "message_id": self.sent,
                "date": int(time.time()),
                "chat": self._chat(),
                "from": self._user(),
                **content,
            }
        }

    def _contact(self) -> dict[str, Any]:
        phone = "62" + self.phone[1:]
        return {"phone_number": phone, "first_name": self.name, "user_id": self.user_id}

    def _photo(self) -> list[dict[str, Any]]:
        ref = f"photo-{self.user_id}-{self.sent}"
        return [
            {"file_id": ref + "-s", "file_unique_id": ref + "s", "width": 90, "height": 90},
            {"file_id": ref, "file_unique_id": ref + "u", "width": 1280, "height": 960},
        ]

    def _command(self, command: str) -> tuple[str, str, dict[str, Any]]:
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        return COMMAND, command, self._message(text=command, entities=[entity])

    def _text(self, detail: str, text: str) -> tuple[str, str, dict[str, Any]]:
        return TEXT, detail, self._message(text=text)

    def _press(self, shown: Shown, data: str) -> dict[str, Any]:
        self.sent += 1
        markup = {
            "inline_keyboard": [[{"text": label, "callback_data": d}] for label, d in shown.buttons]
        }
        return {
            "callback_query": {
                "id": f"{self.user_id}-{self.sent}",
                "from": self._user(),
                "chat_instance": f"ci{self.user_id}",
                "data": data,
                "message": {
                    "message_id": shown.message_id,
                    "date": int(time.time()),
                    "chat": self._chat(),
                    "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
                    "text": shown.text,
                    "reply_markup": markup,
                },
            }
        }


def resident_name(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"


_RTRW = re.compile(r"\brt\b|\brw\b")
# What a question asks for, by words in it (Indonesian first, English for /bahasa en).
_ASKED = (
    ("nik", re.compile(r"\bnik\b")),
    ("rtrw", _RTRW),
    ("phone", re.compile(r"nomor hp|nomor telepon|\bhp\b|whatsapp|phone")),
    ("date", re.compile(r"tanggal|lahir|date")),
    ("year", re.compile(r"tahun|year")),
    ("name", re.compile(r"\bnama\b|\bname\b")),
    ("address", re.compile(r"alamat|lokasi|di mana|patokan|address|where|landmark")),
    ("complaint", re.compile(r"ceritakan|jelaskan|apa yang terjadi|masalah|describe|happened")),
    ("number", re.compile(r"berapa|jumlah|how many")),
    ("ya", re.compile(r"\bya\b|\byes\b")),
)


def _asked(prompt: str) -> str | None:
    for what, pattern in _ASKED:
        if pattern.search(prompt):
            return what
    return None


_PHOTO = re.compile(r"kirim (paling banyak \S+ )?foto|menunggu foto|send (a )?photo")


def _navigation(label: str, data: str) -> bool:
    """Kembali and Batal: beside a question, not an answer to it."""
    low = label.lower()
    return data.startswith(("nav:back", "nav:cancel")) or any(
        w in low for w in ("kembali", "batal", "back", "cancel")
    )


def _weight(label: str, data: str) -> float:
    low = label.lower()
    if data.startswith("nav:cancel") or any(
        w in low for w in ("batal", "tidak setuju", "hapus", "cancel")
    ):
        return 0.05
    if any(w in low for w in ("bahasa", "english", "language")):
        return 0.1
    if data.startswith("nav:back") or "kembali" in low:
        return 0.3
    if "daftar" in low:
        return 5.0
    if any(w in low for w in ("setuju", "simpan", "lanjut", "ya,", "kirim")):
        return 3.0
    return 1.0


def _button_name(label: str) -> str:
    """A button's label without its emoji, for the report's counts."""
    return label.encode("ascii", "ignore").decode().strip()[:24] or "button"
