"""What a Telegram-only `balai run` keeps in memory: not aiohttp (the webhook server and
the WhatsApp client, about 8 MiB), not Alembic (only a start that migrates needs it), not
Pillow (only the public catalogue's thumbnails need it)."""

from __future__ import annotations

import subprocess
import sys


def test_telegram_polling_loads_neither_aiohttp_nor_alembic():
    probe = (
        "import sys, bot.cli, bot.runtime, bot.app, handlers.telegram.bot; "
        "print(sorted(m for m in ('aiohttp', 'alembic', 'PIL') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
