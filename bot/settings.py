"""Settings from the environment, read once by the app factory and passed on."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import SetupError

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///data/balai.db"
DEFAULT_CONFIG = "./balai.toml"
# The example village `balai demo` runs without a config file: inside an installed wheel
# (copied there by setup.py), else the checkout's own balai.example.toml.
_PACKAGED_EXAMPLE = Path(__file__).resolve().parent / "balai.example.toml"
_CHECKOUT_EXAMPLE = Path(__file__).resolve().parent.parent / "balai.example.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")
# Enough to keep replies flowing while some wait on a slow network; few enough that
# database connections and memory stay modest on a small machine.
DEFAULT_CONCURRENT_UPDATES = 16
# Telegram lets a bot download at most 20 MB, and a phone photo, a voice note or a scanned
# letter is far below it; a larger cap would only fill a small machine's disk.
DEFAULT_MEDIA_MAX_MB = 20
# Delivered outbox messages are kept this long (for looking into a complaint about a
# message), then deleted; undelivered and dead ones are never.
DEFAULT_OUTBOX_KEEP_DAYS = 14
DEFAULT_OUTBOX_CLAIM_SECONDS = 120
DEFAULT_WHATSAPP_API_URL = "https://graph.facebook.com"
# A current Graph API version (Meta supports each for about two years).
DEFAULT_WHATSAPP_API_VERSION = "v24.0"
_WHATSAPP_REQUIRED = (
    "BALAI_WHATSAPP_TOKEN",
    "BALAI_WHATSAPP_PHONE_NUMBER_ID",
    "BALAI_WHATSAPP_APP_SECRET",
    "BALAI_WHATSAPP_VERIFY_TOKEN",
)


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Cloud API account; present only when all four secrets are set."""

    token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_url: str = DEFAULT_WHATSAPP_API_URL
    api_version: str = DEFAULT_WHATSAPP_API_VERSION

    def __repr__(self) -> str:
        # Settings get printed in tracebacks and debuggers: never the secrets.
        return f"WhatsAppSettings(phone_number_id={self.phone_number_id!r}, api={self.base!r})"

    @property
    def base(self) -> str:
        """Where Graph API calls go: {root}/{version}."""
        return f"{self.api_url}/{self.api_version}"


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None
    telegram_api_url: str
    database_url: str
    config_path: Path
    log_level: str
    webhook_secret: str | None
    webhook_url: str | None
    webhook_listen: str
    webhook_port: int
    # False when BALAI_CONFIG is not set and config_path is the default ./balai.toml.
    config_given: bool = True
    # Updates handled at the same time (each person's still one after another).
    concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES
    # Where photos, voice notes and files are kept (see default_media_dir), and their cap.
    media_dir: Path = Path("data/media")
    media_max_mb: int = DEFAULT_MEDIA_MAX_MB
    # None when WhatsApp is not configured (Telegram only).
    whatsapp: WhatsAppSettings | None = None
    # Where the public catalogue pages are reached (no trailing slash); None: not public.
    public_url: str | None = None
    # BALAI_TELEGRAM_PAID_BROADCAST: announcements as Telegram's paid broadcasts (up to
    # 1,000/s, each message paid in Telegram Stars).
    paid_broadcast: bool = False
    # Balai's WhatsApp number as digits with the country code (6281...), for click-to-chat.
    whatsapp_number: str | None = None
    # BALAI_OUTBOX_KEEP_DAYS: how long delivered outbox messages are kept.
    outbox_keep_days: int = DEFAULT_OUTBOX_KEEP_DAYS
    # BALAI_OUTBOX_CLAIM_SECONDS: how long a message a worker took stays its own; a
    # worker that dies mid-delivery leaves its messages to the others after that.
    outbox_claim_seconds: int = DEFAULT_OUTBOX_CLAIM_SECONDS
    # BALAI_LOG_FORMAT: "text" lines, or "json" objects for log shippers.
    log_format: str = "text"
    # BALAI_METRICS_PORT: /metrics and /healthz on 127.0.0.1 at this port; None: only on
    # the webhook server, when Balai runs one.
    metrics_port: int | None = None

    def require_token(self) -> str:
        if not self.telegram_token:
            raise SetupError(
                "BALAI_TELEGRAM_TOKEN is not set. Create a bot with @BotFather in Telegram, "
                "copy the token it gives you, and start Balai with "
                "BALAI_TELEGRAM_TOKEN=<token> balai run. To try Balai without Telegram, "
                "run `balai demo` instead."
            )
        return self.telegram_token


def bundled_example() -> Path:
    """The example config shipped with Balai."""
    return _PACKAGED_EXAMPLE if _PACKAGED_EXAMPLE.is_file() else _CHECKOUT_EXAMPLE


def _root_url(env: Mapping[str, str], name: str, default: str, what: str) -> str:
    """An http(s) root URL from the environment, without its trailing slash."""
    url = env.get(name, default).rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SetupError(f"{name} must be the root URL of {what}, such as {default}; got {url!r}.")
    return url


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    api_url = _root_url(env, "BALAI_TELEGRAM_API_URL", DEFAULT_API_URL, "a Bot API server")
    database_url = env.get("BALAI_DATABASE_URL", DEFAULT_DATABASE_URL)
    try:
        url = make_url(database_url)
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SetupError(
            "BALAI_DATABASE_URL must be an SQLAlchemy URL for SQLite or PostgreSQL, such as "
            f"{DEFAULT_DATABASE_URL} or postgresql+asyncpg://user:password@host/balai."
        )
    level = env.get("BALAI_LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        raise SetupError(f"BALAI_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {level!r}.")
    log_format = env.get("BALAI_LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in LOG_FORMATS:
        raise SetupError(f"BALAI_LOG_FORMAT must be text or json; got {log_format!r}.")
    metrics_text = env.get("BALAI_METRICS_PORT", "").strip()
    if metrics_text and (not metrics_text.isdigit() or not 0 < int(metrics_text) < 65536):
        raise SetupError(f"BALAI_METRICS_PORT must be a port number; got {metrics_text!r}.")
    port_text = env.get("BALAI_WEBHOOK_PORT", "8443")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SetupError(f"BALAI_WEBHOOK_PORT must be a port number; got {port_text!r}.")
    concurrency_text = env.get("BALAI_CONCURRENT_UPDATES", str(DEFAULT_CONCURRENT_UPDATES))
    if not concurrency_text.isdigit() or not 0 < int(concurrency_text) <= 1000:
        raise SetupError(
            f"BALAI_CONCURRENT_UPDATES must be a whole number from 1 to 1000; "
            f"got {concurrency_text!r}."
        )
    media_text = env.get("BALAI_MEDIA_MAX_MB", str(DEFAULT_MEDIA_MAX_MB))
    if not media_text.isdigit() or not 0 < int(media_text) <= 2000:
        raise SetupError(
            f"BALAI_MEDIA_MAX_MB must be a whole number of megabytes from 1 to 2000; "
            f"got {media_text!r}."
        )
    claim_text = env.get("BALAI_OUTBOX_CLAIM_SECONDS", str(DEFAULT_OUTBOX_CLAIM_SECONDS))
    if not claim_text.isdigit() or not 1 <= int(claim_text) <= 3600:
        raise SetupError(
            f"BALAI_OUTBOX_CLAIM_SECONDS must be a whole number of seconds from 1 to 3600; "
            f"got {claim_text!r}."
        )
    keep_text = env.get("BALAI_OUTBOX_KEEP_DAYS", str(DEFAULT_OUTBOX_KEEP_DAYS))
    if not keep_text.isdigit() or not 1 <= int(keep_text) <= 3650:
        raise SetupError(
            f"BALAI_OUTBOX_KEEP_DAYS must be a whole number of days from 1 to 3650; "
            f"got {keep_text!r}."
        )
    media_dir = env.get("BALAI_MEDIA_DIR")
    paid_text = env.get("BALAI_TELEGRAM_PAID_BROADCAST", "false").strip().lower()
    if paid_text not in ("true", "false", "1", "0", "yes", "no", ""):
        raise SetupError(f"BALAI_TELEGRAM_PAID_BROADCAST must be true or false; got {paid_text!r}.")
    public_url = (
        _root_url(env, "BALAI_PUBLIC_URL", "https://balai.example.id", "Balai's public pages")
        if env.get("BALAI_PUBLIC_URL")
        else None
    )
    return Settings(
        telegram_token=env.get("BALAI_TELEGRAM_TOKEN") or None,
        telegram_api_url=api_url,
        database_url=database_url,
        config_path=Path(env.get("BALAI_CONFIG") or DEFAULT_CONFIG),
        log_level=level,
        webhook_secret=env.get("BALAI_WEBHOOK_SECRET") or None,
        webhook_url=env.get("BALAI_WEBHOOK_URL") or None,
        webhook_listen=env.get("BALAI_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=int(port_text),
        config_given=bool(env.get("BALAI_CONFIG")),
        concurrent_updates=int(concurrency_text),
        media_dir=Path(media_dir) if media_dir else default_media_dir(database_url),
        media_max_mb=int(media_text),
        whatsapp=_whatsapp(env),
        public_url=public_url,
        whatsapp_number=_whatsapp_number(env),
        paid_broadcast=paid_text in ("true", "1", "yes"),
        outbox_keep_days=int(keep_text),
        outbox_claim_seconds=int(claim_text),
        log_format=log_format,
        metrics_port=int(metrics_text) if metrics_text else None,
    )


def _whatsapp_number(env: Mapping[str, str]) -> str | None:
    """BALAI_WHATSAPP_NUMBER as wa.me wants it: digits, country code first."""
    typed = env.get("BALAI_WHATSAPP_NUMBER", "").strip()
    if not typed:
        return None
    digits = "".join(c for c in typed if c.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not typed.lstrip("+").replace(" ", "").replace("-", "").isdigit() or not (
        8 <= len(digits) <= 15
    ):
        raise SetupError(
            "BALAI_WHATSAPP_NUMBER must be Balai's WhatsApp number, such as +62 812-3456-7890; "
            f"got {typed!r}."
        )
    return digits


def _whatsapp(env: Mapping[str, str]) -> WhatsAppSettings | None:
    given = {name: env.get(name) or "" for name in _WHATSAPP_REQUIRED}
    missing = [name for name, value in given.items() if not value]
    if len(missing) == len(given):
        return None
    if missing:
        raise SetupError(
            f"WhatsApp is half configured: {', '.join(missing)} not set. Set all of "
            f"{', '.join(_WHATSAPP_REQUIRED)} (from the Meta app's WhatsApp settings), "
            "or none of them to run on Telegram only."
        )
    api_url = _root_url(env, "BALAI_WHATSAPP_API_URL", DEFAULT_WHATSAPP_API_URL, "the Graph API")
    version = env.get("BALAI_WHATSAPP_API_VERSION", DEFAULT_WHATSAPP_API_VERSION)
    if not re.fullmatch(r"v\d+\.\d+", version):
        raise SetupError(
            f"BALAI_WHATSAPP_API_VERSION must look like {DEFAULT_WHATSAPP_API_VERSION}; "
            f"got {version!r}."
        )
    return WhatsAppSettings(
        token=given["BALAI_WHATSAPP_TOKEN"],
        phone_number_id=given["BALAI_WHATSAPP_PHONE_NUMBER_ID"],
        app_secret=given["BALAI_WHATSAPP_APP_SECRET"],
        verify_token=given["BALAI_WHATSAPP_VERIFY_TOKEN"],
        api_url=api_url,
        api_version=version,
    )


def default_media_dir(database_url: str) -> Path:
    """`media` beside an SQLite database file (data/media by default), else data/media."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "media"
    return Path("data/media")


def configure_logging(level: str, log_format: str = "text") -> None:
    if log_format == "json":
        # Imported only when asked for: a text-logging Balai does without it.
        from pythonjsonlogger.json import JsonFormatter

        handler = logging.StreamHandler()
        # Each line one JSON object; a record's extras (the per-update fields) join it.
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            )
        )
        logging.basicConfig(level=getattr(logging, level), handlers=[handler])
    else:
        logging.basicConfig(
            level=getattr(logging, level),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    # Even at DEBUG, libraries must not log personal data or secrets:
    for name, floor in (
        ("httpx", logging.WARNING),  # every request URL, and Bot API URLs hold the token
        ("telegram", logging.INFO),  # PTB's debug logs carry whole updates (names, phones)
        ("aiohttp.access", logging.WARNING),  # the simulator page polls every second
    ):
        logging.getLogger(name).setLevel(max(floor, getattr(logging, level)))
