"""One person, two apps: /tautkan gives a one-time code to send from the other chat app;
a number both apps verified links with one tap; /lepastautan detaches this app again.

Only the code's hash is stored. A code is six digits, lives ten minutes, is used once
(one conditional UPDATE), and is given at most a few times an hour; wrong codes are
limited per chat account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flows.common.formatting import phone
from flows.common.text import N_, fold
from flows.common.validation import Invalid, parse_phone
from flows.engine import form as form_engine
from flows.engine.catalog import Capability, Command, Intent
from flows.engine.context import Ctx
from flows.engine.form_flow import Answer, Finished, FormFlow, Leave, Question, Reask, Step
from flows.engine.menu import main_menu
from flows.engine.types import Button, Expect, Kind, Outbound, Reply
from storage import links, people
from storage.models import ChannelIdentity, Citizen

CODE_VALID = timedelta(minutes=10)
# Wrong codes one chat account may send in FAILURE_WINDOW before it has to wait.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
LINK = "link"
_CODE = re.compile(r"\d{6}")
_APP_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}


def app_name(channel: str) -> str:
    return _APP_NAMES.get(channel, channel.title())


def code_hash(code: str) -> str:
    return hashlib.sha256(f"balai-link:{code}".encode()).hexdigest()


def code_in(text: str) -> str | None:
    """The six digits of a typed code ("123456", "123 456"), else None."""
    compact = re.sub(r"[\s\-]", "", text)
    return compact if _CODE.fullmatch(compact) and compact.isascii() else None


async def tautkan(ctx: Ctx) -> list[Reply]:
    """Give a registered person a code, take a code given with the command, or explain."""
    given = code_in(ctx.msg.text.partition(" ")[2]) if ctx.msg.kind is Kind.COMMAND else None
    if given is not None:
        return await redeem(ctx, given)
    if ctx.citizen is None:
        offer = await number_offer(ctx)
        if offer is not None:
            return [offer]
        text = ctx._(
            "To use your registration from another chat app here: in the app where you "
            "registered, send /tautkan. You get a 6-digit code; send those 6 digits here "
            "within 10 minutes."
        )
        if ctx.identity.phone is None:
            text += "\n\n" + ctx._(
                "Registered on WhatsApp with this phone's number? Tap 📱 Share my number."
            )
            return [Reply(text, expects=Expect.CONTACT, share_label=ctx._("📱 Share my number"))]
        return [Reply(text)]
    return await _issue(ctx, ctx.citizen)


async def _issue(ctx: Ctx, citizen: Citizen) -> list[Reply]:
    code = f"{secrets.randbelow(10**6):06d}"
    issued = await links.issue_code(
        ctx.session, citizen.id, ctx.identity.id, code_hash(code), ctx.now(), CODE_VALID
    )
    if not issued:
        text = ctx._(
            "You have asked for several codes in the last hour. For your safety, please "
            "wait an hour before asking for a new one."
        )
        return [Reply(text)]
    text = ctx._(
        "🔗 Your link code: {code}\n\n"
        "Within 10 minutes, send these 6 digits to Balai from your other chat app "
        "(WhatsApp or Telegram). Both apps will then share your data, requests and reports.\n\n"
        "Never give this code to anyone else, not even to an official."
    ).format(code=f"{code[:3]} {code[3:]}")
    return [Reply(text)]


async def typed_code(ctx: Ctx) -> list[Reply] | None:
    """Six digits typed at the top level are a link code; an own number shared at the top
    level may join a registration made in another app."""
    if ctx.msg.kind is Kind.CONTACT and ctx.citizen is None:
        contact = ctx.msg.contact
        if contact is None or not contact.is_senders_own:
            return None
        number = parse_phone(contact.phone, ctx._)
        if isinstance(number, Invalid):
            return None
        ctx.identity.phone = number  # the app vouches for it: the sender's own number
        offer = await number_offer(ctx)
        return [offer] if offer is not None else None
    if ctx.msg.kind is not Kind.TEXT:
        return None
    code = code_in(ctx.msg.text)
    return await redeem(ctx, code) if code is not None else None


def _too_many(ctx: Ctx) -> bool:
    since = ctx.identity.link_failures_since
    return (
        since is not None
        and ctx.now() - since < FAILURE_WINDOW
        and ctx.identity.link_failures >= MAX_FAILURES
    )


def _count_failure(ctx: Ctx) -> None:
    # The identity row is locked for this message's transaction: plain writes are safe.
    identity, now = ctx.identity, ctx.now()
    since = identity.link_failures_since
    if since is None or now - since >= FAILURE_WINDOW:
        identity.link_failures_since, identity.link_failures = now, 1
    else:
        identity.link_failures = (identity.link_failures or 0) + 1


async def redeem(ctx: Ctx, code: str) -> list[Reply]:
    """Link this chat account to the resident whose code it is, once."""
    if _too_many(ctx):
        text = ctx._(
            "Too many wrong codes were sent from here. For your safety, please wait 10 "
            "minutes, then send the code again."
        )
        return [Reply(text)]
    found = await links.code_owner(ctx.session, code_hash(code))
    if found is None:
        _count_failure(ctx)
        text = ctx._(
            "That code is not right. Please check the 6 digits shown in your other chat "
            "app, or ask there for a new code with /tautkan."
        )
        return [Reply(text)]
    if ctx.citizen is not None and found.citizen_id == ctx.citizen.id:
        return [main_menu(ctx, ctx._("This chat app is already linked to your registration."))]
    if ctx.citizen is not None:
        text = ctx._(
            "This chat app is already registered as a resident, so it cannot be linked to "
            "another registration. If that registration is no longer needed, delete it here "
            "with /hapusdata first, then send the code again."
        )
        return [Reply(text)]
    asker = await ctx.session.get(ChannelIdentity, found.identity_id)
    if asker is not None and asker.channel == ctx.identity.channel:
        text = ctx._(
            "This code was made in {app} and must be sent from your other chat app. "
            "Please open the other app and send the 6 digits to Balai there."
        ).format(app=app_name(asker.channel))
        return [Reply(text)]
    expired = ctx._(
        "This code has expired or has already been used. In the app where you registered, "
        "send /tautkan for a new code."
    )
    if found.used_at is not None or found.expires_at <= ctx.now():
        return [Reply(expired)]
    if await links.has_account_on(ctx.session, found.citizen_id, ctx.identity.channel):
        text = ctx._(
            "Your registration already has another {app} account linked. To use this one "
            "instead, send /lepastautan from the other {app} account first."
        ).format(app=app_name(ctx.identity.channel))
        return [Reply(text)]
    redeemed = await links.redeem(ctx.session, found.id, ctx.now())
    citizen = await people.citizen_by_id(ctx.session, redeemed.citizen_id) if redeemed else None
    if redeemed is None or citizen is None or citizen.deleted_at is not None:
        return [Reply(expired)]
    return await _join(ctx, citizen)


async def _join(ctx: Ctx, citizen: Citizen) -> list[Reply]:
    """Make this chat account the resident's too, and tell their other app at once."""
    others = await people.identities_of(ctx.session, citizen.id)
    ctx.identity.citizen_id = citizen.id
    ctx.identity.link_failures, ctx.identity.link_failures_since = 0, None
    ctx.citizen = citizen
    here = app_name(ctx.identity.channel)
    for other in others:
        gettext = ctx.services.translations(other.locale).gettext
        village = ctx.village
        notice = gettext(
            "🔐 Your registration is now also used from {app}. Balai will write to the app "
            "you used last. If this was not you, please contact the village office "
            "({phone}) right away."
        ).format(app=here, phone=village.phone if village else "")
        ctx.send(
            Outbound(
                other.channel,
                other.external_id,
                Reply(notice),
                dedupe_key=f"linked:{ctx.identity.id}:{citizen.id}:{other.id}:{citizen.version}",
                village=village.code if village else None,
            )
        )
    village = ctx.village
    done = ctx._(
        "✅ Done: this {app} is now linked to your registration in Desa {village}. "
        "You see the same data, requests and reports in both apps."
    ).format(app=here, village=village.name if village else "")
    return [main_menu(ctx, done)]


async def number_offer(ctx: Ctx) -> Reply | None:
    """Offer to join a registration in another app whose account the same number wrote
    from: both apps verified it (WhatsApp's sender, Telegram's own shared contact)."""
    found = await _same_number(ctx)
    if found is None:
        return None
    citizen, other = found
    village = ctx.services.village_by_id(citizen.village_id)
    text = ctx._(
        "You are already registered in {other} with this number ({phone}), in Desa "
        "{village}. Link this {app} to that registration? You will see the same data, "
        "requests and reports here."
    ).format(
        other=app_name(other),
        phone=phone(ctx.identity.phone or ""),
        village=village.name if village else "",
        app=app_name(ctx.identity.channel),
    )
    buttons = ((Button(ctx._("✅ Yes, link"), f"{LINK}:yes"), Button(ctx._("No"), f"{LINK}:no")),)
    return Reply(text, buttons, Expect.CHOICE)


async def _same_number(ctx: Ctx) -> tuple[Citizen, str] | None:
    number = parse_phone(ctx.identity.phone or "", ctx._)
    if ctx.citizen is not None or not ctx.identity.phone or isinstance(number, Invalid):
        return None
    national = number.removeprefix("+62")
    spellings = [number, "62" + national, "0" + national]
    citizen = await links.citizen_of_account_phone(ctx.session, spellings, ctx.identity.channel)
    if citizen is None:
        return None
    channels = {i.channel for i in await people.identities_of(ctx.session, citizen.id)}
    return citizen, sorted(channels)[0]


async def link_choice(ctx: Ctx, value: str) -> list[Reply]:
    """Answer the one-tap offer: link, or go on registering separately."""
    if ctx.citizen is not None:
        return [main_menu(ctx, ctx._("You are already registered."))]
    if value != "yes":
        from flows.residents.registration import begin_registration

        return await begin_registration(ctx, offer_link=False)
    found = await _same_number(ctx)
    if found is None:
        text = ctx._("This link is no longer possible. Please choose from the menu:")
        return [main_menu(ctx, text)]
    return await _join(ctx, found[0])


# --- unlinking ------------------------------------------------------------------------
@dataclass
class UnlinkForm:
    confirmed: bool = False


class ConfirmUnlinkStep(Step[UnlinkForm]):
    name = "confirm"

    def question(self, ctx: Ctx, form: UnlinkForm) -> Question:
        text = ctx._(
            "Detach this {app} from your registration? Your data stays with your other "
            "chat app, and this one will no longer get your notifications."
        ).format(app=app_name(ctx.identity.channel))
        options = (Button(ctx._("🔓 Yes, detach"), "yes"), Button(ctx._("Keep linked"), "no"))
        return Question(text, options, Expect.CHOICE, per_row=2)

    async def take(self, ctx: Ctx, form: UnlinkForm, answer: Answer) -> Invalid | Leave | None:
        said = answer.choice or fold(answer.text)
        if said in ("yes", "ya"):
            form.confirmed = True
            return None
        if said in ("no", "tidak"):
            return Leave([main_menu(ctx, ctx._("Nothing was changed."))])
        return Invalid(ctx._("Please tap 🔓 Yes, detach or Keep linked."))


class UnlinkFlow(FormFlow[UnlinkForm]):
    name = "unlink_app"
    form_type = UnlinkForm
    steps = (ConfirmUnlinkStep(),)
    with_summary = False

    def title(self, ctx: Ctx) -> str:
        return ctx._("🔓 Detach this app")

    def cancelled(self, ctx: Ctx) -> list[Reply]:
        return [main_menu(ctx, ctx._("Nothing was changed."))]

    async def finish(self, ctx: Ctx, form: UnlinkForm, key: str) -> Finished | Reask:
        citizen = ctx.citizen
        if citizen is None:
            return Finished([main_menu(ctx, ctx._("This chat app is not linked to anyone."))])
        if not await links.unlink(ctx.session, ctx.identity.id, citizen.id):
            return Finished([Reply(_only_app(ctx))])
        # The UPDATE went past the loaded row: keep the session's copy in step with it.
        await ctx.session.refresh(ctx.identity)
        ctx.citizen = None
        text = ctx._(
            "This {app} is detached. Your registration stays with your other chat app. "
            "To link again, send /tautkan there."
        ).format(app=app_name(ctx.identity.channel))
        return Finished([main_menu(ctx, text)])


UNLINK_FLOW = UnlinkFlow()


def _only_app(ctx: Ctx) -> str:
    return ctx._(
        "This is the only chat app linked to your registration, so it cannot be detached. "
        "To delete your data instead, send /hapusdata."
    )


async def start_unlink(ctx: Ctx) -> list[Reply]:
    """Ask before detaching this app; refuse when it is the person's only one."""
    if ctx.citizen is None:
        return [main_menu(ctx, ctx._("This chat app is not linked to anyone."))]
    if len(await people.identities_of(ctx.session, ctx.citizen.id)) < 2:
        return [Reply(_only_app(ctx))]
    return form_engine.start(ctx, UNLINK_FLOW)


CAPABILITY = Capability(
    name="residents.linking",
    intents=(
        Intent(
            "link_app",
            tautkan,
            keywords=(
                "tautkan",
                "tautkan akun",
                "hubungkan whatsapp",
                "hubungkan telegram",
                "sambungkan whatsapp",
                "sambungkan telegram",
            ),
            commands=(Command("tautkan", N_("Use your registration from another chat app")),),
            rank=62,
        ),
        Intent(
            "unlink_app",
            start_unlink,
            keywords=("lepas tautan", "putuskan whatsapp", "putuskan telegram"),
            commands=(Command("lepastautan", N_("Detach this chat app from your registration")),),
            rank=63,
            visible=lambda ctx: ctx.citizen is not None,
        ),
    ),
    flows=(UNLINK_FLOW,),
    choices={LINK: link_choice},
    typed=(typed_code,),
)
