"""WhatsApp settings and config: all four secrets or none, and secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_villages
from bot.errors import SetupError
from bot.settings import load_settings
from tests.bot.test_setup import balai
from tests.conftest import TWO_VILLAGES

WHATSAPP = {
    "BALAI_WHATSAPP_TOKEN": "EAAG-secret-token",
    "BALAI_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "BALAI_WHATSAPP_APP_SECRET": "app-secret-value",
    "BALAI_WHATSAPP_VERIFY_TOKEN": "verify-token-value",
}


def test_whatsapp_is_off_without_settings_and_on_with_all_four():
    assert load_settings({}).whatsapp is None
    account = load_settings(WHATSAPP).whatsapp
    assert account is not None
    assert account.base == "https://graph.facebook.com/v24.0"
    assert "secret" not in repr(account)
    custom = load_settings(
        {
            **WHATSAPP,
            "BALAI_WHATSAPP_API_URL": "http://127.0.0.1:9/",
            "BALAI_WHATSAPP_API_VERSION": "v23.0",
        }
    ).whatsapp
    assert custom is not None and custom.base == "http://127.0.0.1:9/v23.0"


def test_half_configured_whatsapp_names_what_is_missing():
    partial = {k: v for k, v in WHATSAPP.items() if k != "BALAI_WHATSAPP_APP_SECRET"}
    with pytest.raises(SetupError, match="BALAI_WHATSAPP_APP_SECRET") as raised:
        load_settings(partial)
    assert "BALAI_WHATSAPP_TOKEN," not in str(raised.value).split("not set")[0]
    with pytest.raises(SetupError, match="BALAI_WHATSAPP_API_VERSION"):
        load_settings({**WHATSAPP, "BALAI_WHATSAPP_API_VERSION": "24"})


def test_check_config_says_whether_whatsapp_is_configured_without_secrets():
    off = balai("check-config", BALAI_CONFIG=str(TWO_VILLAGES))
    assert "WhatsApp: not configured" in off.stdout
    on = balai("check-config", BALAI_CONFIG=str(TWO_VILLAGES), **WHATSAPP)
    assert on.returncode == 0 and "WhatsApp: configured" in on.stdout
    assert "106540352242922" in on.stdout
    for secret in ("EAAG-secret-token", "app-secret-value", "verify-token-value"):
        assert secret not in on.stdout + on.stderr


def test_a_village_may_name_its_own_whatsapp_number(tmp_path: Path):
    text = TWO_VILLAGES.read_text().replace(
        'phone = "0725-123456"', 'phone = "0725-123456"\nwhatsapp_phone_number_id = "1111"', 1
    )
    path = tmp_path / "balai.toml"
    path.write_text(text)
    villages = load_villages(path)
    assert villages.by_code("18.04.07.2001").whatsapp_phone_number_id == "1111"
    assert villages.by_code("73.71.01.1001").whatsapp_phone_number_id is None
    second = 'phone = "0411-654321"\nwhatsapp_phone_number_id = "1111"'
    path.write_text(text.replace('phone = "0411-654321"', second))
    with pytest.raises(SetupError, match="whatsapp_phone_number_id"):
        load_villages(path)
