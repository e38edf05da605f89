"""Layanan Surat's questions: which letter, its fields, its documents, its purpose.

The steps of the request form (`request.LetterFlow`); a step applies to a new request
whole, and on a fix only to what officials ticked. The form they fill is in
`request_form.py`.
"""

from __future__ import annotations

from flows.common.letter_types import FieldType, LetterField
from flows.common.text import clean, fold, in_sentence
from flows.common.validation import Invalid
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Onward, Question, Stay, Step
from flows.engine.types import Button, Expect, Kind
from flows.letters.fields import choose, other_option, parse_value, shown
from flows.letters.guess import guess_letter
from flows.letters.request_form import LetterForm, letter_of, village_of_applicant

PURPOSE_MIN, PURPOSE_MAX = 3, 200
SKIP = "skip"
# Typed words that mean "skip this optional question".
_SKIP_WORDS = {"lewati", "skip", "tidak ada", "tidak punya", "-"}


def _wanted(form: LetterForm, flag: str) -> bool:
    """Asked now: everything on a new request, only the flagged parts on a fix."""
    return not form.case_id or flag in form.fix


# --- the steps -----------------------------------------------------------------------------
class TypeStep(Step[LetterForm]):
    counted = False  # choosing the letter decides which questions follow
    name = "type"

    def applies(self, ctx: Ctx, form: LetterForm) -> bool:
        return not form.case_id

    def prefilled(self, form: LetterForm) -> bool:
        return bool(form.type)

    def question(self, ctx: Ctx, form: LetterForm) -> Question:
        letters = village_of_applicant(ctx).letters
        offered = [t for t in letters if t.code in form.suggestions] or list(letters)
        options = [Button(t.short, t.code) for t in offered]
        if form.suggestions:
            text = ctx._("Which of these letters do you need?")
            options.append(Button(ctx._("📋 All letters"), "all"))
        else:
            text = ctx._("Which letter do you need? Tap one.")
            options.append(Button(ctx._("ℹ️ What are they?"), "info"))
        return Question(text, tuple(options), Expect.CHOICE, per_row=2)

    async def take(
        self, ctx: Ctx, form: LetterForm, answer: Answer
    ) -> Invalid | Stay | Onward | None:
        letters = {t.code: t for t in village_of_applicant(ctx).letters}
        if answer.kind is Kind.CHOICE and answer.choice in letters:
            return _choose_type(form, answer.choice)
        if answer.kind is Kind.CHOICE and answer.choice == "info":
            lines = [f"• {t.name}: {t.description}" for t in letters.values()]
            return Stay("\n".join(lines))
        if answer.kind is Kind.CHOICE and answer.choice == "all":
            form.suggestions = []
            return Stay(ctx._("All letters this village issues:"))
        if answer.kind is Kind.TEXT:
            found = guess_letter(village_of_applicant(ctx), answer.text)
            if found.best is not None:
                return _choose_type(form, found.best)
            form.suggestions = list(found.close)
        return Invalid(ctx._("Please tap one of the letters below."))

    def summary(self, ctx: Ctx, form: LetterForm) -> tuple[str, str]:
        return ctx._("Letter"), letter_of(ctx, form).name


def _choose_type(form: LetterForm, code: str) -> Onward | None:
    """Another letter means other questions: drop the old answers and ask the new ones."""
    changed = code != form.type
    if changed:
        form.values, form.documents, form.purpose = {}, {}, ""
    form.type, form.suggestions = code, []
    return Onward() if changed else None


class FieldStep(Step[LetterForm]):
    """One of the letter's fields (nama usaha, tanggal lahir, ...), named by its code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.name = f"field:{code}"

    def _field(self, ctx: Ctx, form: LetterForm) -> LetterField | None:
        fields = letter_of(ctx, form).fields if form.type else ()
        return next((f for f in fields if f.code == self.code), None)

    def applies(self, ctx: Ctx, form: LetterForm) -> bool:
        found = self._field(ctx, form)
        return found is not None and _wanted(form, f"field:{found.code}")

    def question(self, ctx: Ctx, form: LetterForm) -> Question:
        found = self._require(ctx, form)
        lines = [_opening(ctx, form, self), _asked(ctx, found)]
        hints = {
            FieldType.DATE: ctx._("Type the date, e.g. 17-08-2024."),
            FieldType.MONEY: ctx._("Type the amount in Rupiah, e.g. 1.500.000."),
            FieldType.YEAR: ctx._("Type the year, e.g. 2019."),
            FieldType.NUMBER: ctx._("Type a number."),
            FieldType.NIK: ctx._("Type the 16-digit NIK."),
        }
        hint = found.hint or hints.get(found.type, "")
        if other_option(found) is not None and not hint:
            hint = ctx._("Tap one, or type your own.")
        if hint:
            lines.append(f"({hint})")
        options = [Button(o, _option(form, n)) for n, o in enumerate(found.options)]
        if not found.required:
            options.append(Button(ctx._("⏭️ Skip"), SKIP))
        expects = Expect.CHOICE if found.type is FieldType.CHOICE else Expect.TEXT
        per_row = 2 if found.type is FieldType.CHOICE else 1
        return Question("\n".join(line for line in lines if line), tuple(options), expects, per_row)

    def prefilled(self, form: LetterForm) -> bool:
        return self.code in form.prefilled_fields

    async def take(self, ctx: Ctx, form: LetterForm, answer: Answer) -> Invalid | Stay | None:
        form.introduced = True
        found = self._require(ctx, form)
        if not found.required and _is_skip(answer):
            form.values.pop(found.code, None)
            return None
        if answer.kind is Kind.CHOICE and found.type is FieldType.CHOICE:
            index = _option_index(form, answer.choice, len(found.options))
            if index is None:
                return Invalid(ctx._("Please tap one of the options below."))
            if found.options[index] == other_option(found):
                return Stay(ctx._("Please type it in a few words."))
            value: str | Invalid = found.options[index]
        elif answer.kind is Kind.TEXT and found.type is FieldType.CHOICE:
            value = choose(found, answer.text, ctx._, ctx.locale)
        elif answer.kind is Kind.TEXT:
            today = ctx.now().astimezone(village_of_applicant(ctx).zone).date()
            value = parse_value(found, answer.text, ctx._, today, ctx.locale)
        else:
            return Invalid(_typed_please(ctx, found))
        if isinstance(value, Invalid):
            return value
        form.values[found.code] = value
        return None

    def summary(self, ctx: Ctx, form: LetterForm) -> tuple[str, str]:
        found = self._require(ctx, form)
        return found.label, shown(found, form.values.get(found.code, ""), ctx.locale)

    def _require(self, ctx: Ctx, form: LetterForm) -> LetterField:
        found = self._field(ctx, form)
        if found is None:
            raise LookupError(f"letter {form.type} has no field {self.code}")
        return found


def _asked(ctx: Ctx, found: LetterField) -> str:
    """The field as a question: the catalogue's sentence, or its label with what to do
    (a bare "Keperluan?" leaves a person unsure what is asked)."""
    if found.question:
        return found.question
    if found.type is FieldType.CHOICE:
        return ctx._("{label}: please tap one of the options.").format(label=found.label)
    return ctx._("{label}: please type it.").format(label=found.label)


def _option(form: LetterForm, index: int) -> str:
    """An option's button value, naming the letter: steps of different letters share
    names, so a button left over from another letter must not answer this one."""
    return f"{form.type}.{index}"


def _option_index(form: LetterForm, value: str, count: int) -> int | None:
    letter, _sep, index = value.rpartition(".")
    if letter != form.type or not index.isdigit() or int(index) >= count:
        return None
    return int(index)


def _typed_please(ctx: Ctx, found: LetterField) -> str:
    if found.type is FieldType.CHOICE:
        return ctx._("Please tap one of the options below.")
    return ctx._("Please type your answer as text.")


def _is_skip(answer: Answer) -> bool:
    if answer.kind is Kind.CHOICE:
        return answer.choice == SKIP
    return answer.kind is Kind.TEXT and fold(answer.text) in _SKIP_WORDS | {""}


class DocumentStep(Step[LetterForm]):
    """A photo (or file) of one of the letter's documents, named by its code."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.name = f"doc:{code}"

    def _document(self, ctx: Ctx, form: LetterForm) -> tuple[str, str, bool] | None:
        documents = letter_of(ctx, form).documents if form.type else ()
        found = next((d for d in documents if d.code == self.code), None)
        return None if found is None else (found.code, found.label, found.required)

    def applies(self, ctx: Ctx, form: LetterForm) -> bool:
        found = self._document(ctx, form)
        return found is not None and _wanted(form, f"doc:{found[0]}")

    def question(self, ctx: Ctx, form: LetterForm) -> Question:
        _code, label, required = self._require(ctx, form)
        ask = ctx._(
            "📷 Send a photo of your {document}. Make sure all of it is sharp and readable."
        )
        lines = [_opening(ctx, form, self), ask.format(document=in_sentence(label))]
        options: tuple[Button, ...] = ()
        if not required:
            lines.append(ctx._("(Optional: tap ⏭️ Skip if you do not have it.)"))
            options = (Button(ctx._("⏭️ Skip"), SKIP),)
        return Question("\n".join(line for line in lines if line), options, Expect.PHOTO)

    async def take(self, ctx: Ctx, form: LetterForm, answer: Answer) -> Invalid | None:
        form.introduced = True
        code, label, required = self._require(ctx, form)
        if answer.kind in (Kind.PHOTO, Kind.DOCUMENT) and answer.media_id:
            form.documents[code] = [answer.kind.value, answer.media_id]
            return None
        if not required and _is_skip(answer):
            form.documents.pop(code, None)
            return None
        text = ctx._(
            "I am waiting for a photo of your {document}. Please send it as a photo or file."
        )
        return Invalid(text.format(document=label))

    def summary(self, ctx: Ctx, form: LetterForm) -> tuple[str, str]:
        code, label, _required = self._require(ctx, form)
        sent = form.documents.get(code)
        if sent is None:
            return label, "-"
        return label, ctx._("📷 photo received") if sent[0] == "photo" else ctx._(
            "📎 file received"
        )

    def _require(self, ctx: Ctx, form: LetterForm) -> tuple[str, str, bool]:
        found = self._document(ctx, form)
        if found is None:
            raise LookupError(f"letter {form.type} has no document {self.code}")
        return found


class PurposeStep(Step[LetterForm]):
    name = "purpose"

    def applies(self, ctx: Ctx, form: LetterForm) -> bool:
        return bool(form.type) and letter_of(ctx, form).purpose and _wanted(form, "purpose")

    def question(self, ctx: Ctx, form: LetterForm) -> Question:
        letter = letter_of(ctx, form)
        if letter.purpose_options:
            text = ctx._("What is the letter for? Tap one, or type it.")
        else:
            text = ctx._("What is the letter for? Type it in a few words, e.g. melamar kerja.")
        options = tuple(Button(o, _option(form, n)) for n, o in enumerate(letter.purpose_options))
        return Question("\n".join(filter(None, (_opening(ctx, form, self), text))), options)

    async def take(self, ctx: Ctx, form: LetterForm, answer: Answer) -> Invalid | None:
        form.introduced = True
        options = letter_of(ctx, form).purpose_options
        index = _option_index(form, answer.choice, len(options))
        if answer.kind is Kind.CHOICE and index is not None:
            form.purpose = options[index]
            return None
        text = clean(answer.text) if answer.kind is Kind.TEXT else ""
        if not PURPOSE_MIN <= len(text) <= PURPOSE_MAX:
            return Invalid(
                ctx._("Please type what the letter is for in a few words, e.g. melamar kerja.")
            )
        form.purpose = text
        return None

    def summary(self, ctx: Ctx, form: LetterForm) -> tuple[str, str]:
        return ctx._("Purpose"), form.purpose


TYPE_STEP, PURPOSE_STEP = TypeStep(), PurposeStep()


def letter_steps(ctx: Ctx, form: LetterForm) -> tuple[Step[LetterForm], ...]:
    """The chosen letter's questions, each named by its field's or document's code, so a
    catalogue change mid-request never moves an answer to another question."""
    if not form.type:
        return (TYPE_STEP, PURPOSE_STEP)
    letter = letter_of(ctx, form)
    return (
        TYPE_STEP,
        *(FieldStep(f.code) for f in letter.fields),
        *(DocumentStep(d.code) for d in letter.documents),
        PURPOSE_STEP,
    )


def _opening(ctx: Ctx, form: LetterForm, step: Step[LetterForm]) -> str:
    """What the first question after choosing a letter says first: what the letter needs,
    or, on a fix, what officials asked."""
    steps = letter_steps(ctx, form)[1:]
    first = next((s for s in steps if s.applies(ctx, form) and not s.prefilled(form)), None)
    if form.introduced or first is None or step.name != first.name:
        return ""
    if form.case_id:
        return ctx._("Note from the village office: {note}").format(note=form.fix_note) + "\n"
    letter = letter_of(ctx, form)
    lines = [f"📄 {letter.name}", letter.description]
    needed = [d.label for d in letter.documents]
    if needed:
        lines.append(ctx._("You will need photos of: {list}.").format(list=", ".join(needed)))
    lines.append(ctx._("Your name, NIK and address are taken from your profile."))
    return "\n".join(lines) + "\n"
