"""Settings, the config file and the CLI: clear one-paragraph messages, never tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_villages
from bot.errors import SetupError
from bot.settings import load_settings
from tests.conftest import EXAMPLE, ROOT, TWO_VILLAGES


def balai(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BALAI_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_lists_the_villages():
    result = balai("check-config", BALAI_CONFIG=str(TWO_VILLAGES))
    assert result.returncode == 0
    assert "Desa Sukamaju" in result.stdout and "WITA" in result.stdout


def test_run_without_token_explains_what_to_do(tmp_path):
    result = balai(
        "run", BALAI_CONFIG=str(EXAMPLE), BALAI_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/b.db"
    )
    assert result.returncode == 2
    assert "BALAI_TELEGRAM_TOKEN" in result.stderr and "BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_file_is_named(tmp_path):
    result = balai("check-config", BALAI_CONFIG=str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "nope.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_database_url_is_named():
    result = balai("db", "upgrade", BALAI_DATABASE_URL="mysql://x")
    assert result.returncode == 2 and "BALAI_DATABASE_URL" in result.stderr


def test_db_upgrade_creates_the_database(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/new/balai.db"
    result = balai("db", "upgrade", BALAI_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new" / "balai.db").exists()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ('code = "18.04.07.2001"', "code"),
        ('timezone = "Asia/Jakarta"', "timezone"),
        ("admin_chat_id = -1001000000001", "admin_chat_id"),
        ('dusun = ["Krajan", "Sidorejo", "Sumberagung"]', "dusun"),
    ],
)
def test_config_errors_name_the_setting(tmp_path: Path, change: str, named: str):
    broken = TWO_VILLAGES.read_text().replace(change, f'{change.split(" = ")[0]} = "?"', 1)
    path = tmp_path / "balai.toml"
    path.write_text(broken)
    with pytest.raises(SetupError) as raised:
        load_villages(path)
    assert named in str(raised.value) and "Sukamaju" in str(raised.value)


def test_invalid_toml_is_reported(tmp_path: Path):
    path = tmp_path / "balai.toml"
    path.write_text("[[villages]\nname=")
    with pytest.raises(SetupError, match="not valid TOML"):
        load_villages(path)


def test_duplicate_admin_chat_is_refused(tmp_path: Path):
    text = TWO_VILLAGES.read_text().replace("-1001000000002", "-1001000000001")
    path = tmp_path / "balai.toml"
    path.write_text(text)
    with pytest.raises(SetupError, match="admin_chat_id"):
        load_villages(path)


def test_settings_defaults_and_bad_api_url():
    settings = load_settings({})
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite:///data/balai.db"
    with pytest.raises(SetupError, match="BALAI_TELEGRAM_API_URL"):
        load_settings({"BALAI_TELEGRAM_API_URL": "not a url"})
    with pytest.raises(SetupError, match="BALAI_LOG_LEVEL"):
        load_settings({"BALAI_LOG_LEVEL": "LOUD"})


def test_media_folder_sits_beside_the_database_unless_named(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'desa' / 'balai.db'}"
    settings = load_settings({"BALAI_DATABASE_URL": database})
    assert settings.media_dir == tmp_path / "desa" / "media" and settings.media_max_mb == 20
    assert load_settings({}).media_dir == Path("data/media")
    named = load_settings({"BALAI_MEDIA_DIR": "/srv/balai/media", "BALAI_MEDIA_MAX_MB": "50"})
    assert named.media_dir == Path("/srv/balai/media") and named.media_max_mb == 50
    with pytest.raises(SetupError, match="BALAI_MEDIA_MAX_MB"):
        load_settings({"BALAI_MEDIA_MAX_MB": "lots"})


REGION = """
[[regions]]
name = "Kecamatan Way Jepara"
admin_chat_id = -1001000000009
villages = ["18.04.07.2001", "73.71.01.1001"]
"""


def test_announcement_settings_default_and_regions_are_read(tmp_path: Path):
    path = tmp_path / "balai.toml"
    text = TWO_VILLAGES.read_text().replace(
        'phone = "0725-123456"',
        'phone = "0725-123456"\nbroadcast_approval = true\nquiet_hours = "22:00-05:30"',
    )
    path.write_text(text + REGION)
    villages = load_villages(path)
    sukamaju, sukamakmur = villages.all()
    assert sukamaju.broadcast_approval and not sukamakmur.broadcast_approval
    assert (sukamaju.quiet_hours.start, sukamaju.quiet_hours.end) == ("22:00", "05:30")
    assert (sukamakmur.quiet_hours.start, sukamakmur.quiet_hours.end) == ("21:00", "06:00")
    assert sukamakmur.announcement_valid_days == 7 and sukamakmur.topics == ()
    region = villages.region_by_admin_chat("-1001000000009")
    assert region is not None and region.villages == ("18.04.07.2001", "73.71.01.1001")
    assert villages.region_by_admin_chat("-1001000000001") is None


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (REGION.replace('"73.71.01.1001"', '"99.99.99.9999"'), "99.99.99.9999"),
        (REGION.replace("-1001000000009", "-1001000000002"), "admin_chat_id"),
        ('\n[[regions]]\nname = "X"\nadmin_chat_id = -1001000000009\nvillages = []\n', "villages"),
    ],
)
def test_region_mistakes_are_named(tmp_path: Path, extra: str, named: str):
    path = tmp_path / "balai.toml"
    path.write_text(TWO_VILLAGES.read_text() + extra)
    with pytest.raises(SetupError, match=named):
        load_villages(path)


def test_quiet_hours_must_be_a_span(tmp_path: Path):
    path = tmp_path / "balai.toml"
    path.write_text(
        TWO_VILLAGES.read_text().replace(
            'phone = "0725-123456"', 'phone = "0725-123456"\nquiet_hours = "malam"'
        )
    )
    with pytest.raises(SetupError, match="quiet_hours"):
        load_villages(path)
