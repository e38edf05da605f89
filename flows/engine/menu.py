"""The main menu, help, language choice, and what to do with text outside a form."""

from __future__ import annotations

from flows.common.matching import match
from flows.common.text import N_, fold
from flows.engine import form as form_engine
from flows.engine.admin import admin_help
from flows.engine.catalog import AdminCommand, Capability, Command, Intent, command_lines
from flows.engine.context import Ctx
from flows.engine.types import Button, Expect, Kind, Reply, rows

LANGUAGE_NAMES = {"id": "🇮🇩 Bahasa Indonesia", "en": "🇬🇧 English"}


def main_menu(ctx: Ctx, greeting: str | None = None) -> Reply:
    """The menu of what exists for this person now (registered or not)."""
    if greeting is None:
        greeting = _greeting(ctx)
    entries = [
        Button(intent.menu_label(ctx), f"menu:{intent.name}")
        for intent in ctx.services.catalog.intents
        if intent.menu_label is not None and intent.visible(ctx)
    ]
    return Reply(greeting, rows(*entries, per_row=2), Expect.CHOICE)


def _greeting(ctx: Ctx) -> str:
    village = ctx.village
    if ctx.citizen is not None and village is not None:
        return ctx._("Hello, {name}! What can we help you with today? Tap a menu below.").format(
            name=ctx.citizen.full_name
        )
    only = ctx.services.villages.only()
    place = only.name if only else ""
    if place:
        return ctx._(
            "Welcome to the online service of Desa {village}. Register once, then you can "
            "use the services here. What would you like to do?"
        ).format(village=place)
    return ctx._(
        "Welcome to Balai, the online service of your village. Register once, then you can "
        "use the services here. What would you like to do?"
    )


async def register_first(ctx: Ctx, reason: str, then: str) -> list[Reply]:
    """Someone asked for a service that needs registration: say so, and offer it; once
    registered, they carry on with that service (`then`, an intent's name)."""
    onboarding = ctx.services.catalog.onboarding
    if onboarding is None or onboarding.menu_label is None:
        return [main_menu(ctx, reason)]
    buttons = rows(
        Button(onboarding.menu_label(ctx), f"menu:{onboarding.name}:{then}"),
        Button(ctx._("🏠 Main menu"), "menu:menu"),
        per_row=2,
    )
    return [Reply(reason, buttons, Expect.CHOICE)]


async def show_menu(ctx: Ctx) -> list[Reply]:
    """Show the main menu."""
    return [main_menu(ctx)]


def help_text(ctx: Ctx) -> str:
    """What Balai does and the commands that always work."""
    commands = command_lines(ctx._, ctx.services.catalog.commands)
    return "\n\n".join(
        (
            ctx._("Balai helps you deal with your village office from this chat."),
            ctx._("Commands you can type at any time:") + "\n" + commands,
            ctx._("While filling in, tap ⬅️ Back to change the previous answer."),
        )
    )


async def show_help(ctx: Ctx) -> list[Reply]:
    """Explain what Balai does, then offer the menu."""
    return [main_menu(ctx, ctx._("What would you like to do?")).noted(help_text(ctx))]


async def choose_language(ctx: Ctx) -> list[Reply]:
    """Offer the languages Balai speaks."""
    buttons = rows(
        *(Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in ctx.services.locales),
        per_row=2,
    )
    return [Reply(ctx._("Choose your language:"), buttons, Expect.CHOICE)]


async def set_language(ctx: Ctx, code: str) -> list[Reply]:
    """Switch the person's language and carry on in it."""
    if code not in ctx.services.locales:
        return await choose_language(ctx)
    ctx.identity.locale = code
    done = ctx._("Language changed to English.")
    if ctx.state is not None:
        return form_engine.current_question(ctx, done)
    return [main_menu(ctx).noted(done)]


async def open_menu_entry(ctx: Ctx, name: str) -> list[Reply]:
    """Run the intent behind a main-menu button."""
    catalog = ctx.services.catalog
    name, _sep, then = name.partition(":")
    intent = next((i for i in catalog.intents if i.name == name and i.visible(ctx)), None)
    if intent is None:
        return [main_menu(ctx, ctx._("That menu is no longer available. Please choose again."))]
    replies = await intent.run(ctx)
    if then and ctx.state is not None:
        ctx.state.then = then  # e.g. registration, then the letter they asked for
    return replies


# Longer text is a sentence (an answer), even when it mentions a service.
_REQUEST_WORDS_MAX = 3
# Words of a reply that only acknowledges ("ok", "baik pak, terima kasih"), the usual
# answer to an announcement: thanked, never matched to a service ("baik" is in "surat
# keterangan kelakuan baik").
_ACKNOWLEDGING_WORDS = (
    "ok oke okey okay okeh sip siap baik iya ya y noted mantap "
    "terima kasih makasih trims tks thx thanks thank you "
    "matur nuwun suwun nggih inggih njih"
)
_ACKNOWLEDGING = frozenset(_ACKNOWLEDGING_WORDS.split())
# Said with them ("siap pak"); alone ("admin") they ask for someone, not thank.
_ADDRESSING = frozenset(["pak", "bu", "bapak", "ibu", "min", "admin", "kak", "mas", "mbak"])


def acknowledges(text: str) -> bool:
    """Whether the text only says "ok" or "thank you", in whatever words."""
    words = set(fold(text).split())
    return bool(words & _ACKNOWLEDGING) and words <= _ACKNOWLEDGING | _ADDRESSING


def names_a_service(ctx: Ctx) -> bool:
    """Short text that plainly asks for something Balai offers ("surat saya", "menu"):
    never mistaken for the answer to a question the person was asked."""
    msg = ctx.msg
    if msg.kind is not Kind.TEXT or len(fold(msg.text).split()) > _REQUEST_WORDS_MAX:
        return False
    if acknowledges(msg.text):
        return False
    return match(msg.text, ctx.services.catalog.keywords(ctx)).best is not None


async def understand(ctx: Ctx) -> list[Reply]:
    """Match free text to what the person likely wants, or offer the closest options."""
    catalog = ctx.services.catalog
    if acknowledges(ctx.msg.text):
        return [Reply(ctx._("🙏 Thank you. Type menu whenever you need something."))]
    found = match(ctx.msg.text, catalog.keywords(ctx))
    if found.best is not None:
        return await catalog.intent(found.best).run(ctx)
    if found.close:
        suggestions = [catalog.intent(name) for name in found.close]
        buttons = [Button(i.menu_label(ctx), f"menu:{i.name}") for i in suggestions if i.menu_label]
        if buttons:
            text = ctx._("Sorry, I am not sure what you mean. Did you mean one of these?")
            return [Reply(text, rows(*buttons, per_row=1), Expect.CHOICE)]
    text = ctx._("Sorry, I did not understand that. Please choose from the menu:")
    return [main_menu(ctx, text)]


CAPABILITY = Capability(
    name="menu",
    intents=(
        Intent(
            "help",
            show_help,
            keywords=("bantuan", "tolong", "help", "cara pakai", "panduan", "bingung"),
            commands=(Command("bantuan", N_("Help"), aliases=("help",)),),
            menu_label=lambda ctx: ctx._("❓ Help"),
            rank=90,
        ),
        Intent(
            "menu",
            show_menu,
            keywords=("menu", "mulai", "halo", "hai", "assalamualaikum", "selamat pagi", "start"),
            commands=(
                Command("start", N_("Start and show the main menu")),
                Command("menu", N_("Main menu")),
            ),
            rank=5,
        ),
        Intent(
            "language",
            choose_language,
            keywords=("bahasa", "language", "ganti bahasa", "english"),
            commands=(Command("bahasa", N_("Change language"), aliases=("language",)),),
            rank=95,
        ),
    ),
    choices={"lang": set_language, "menu": open_menu_entry},
    listed_commands=(Command("batal", N_("Cancel what I am filling in"), aliases=("cancel",)),),
    admin_commands=(
        AdminCommand(
            Command("bantuan", N_("What officials can do here"), aliases=("help", "start")),
            admin_help,
        ),
    ),
)
