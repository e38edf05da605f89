"""The built wheel installed into a fresh venv: `balai demo` runs with no config, anywhere.

The wheel is built from a copy of the source without anything a clean clone lacks (no
compiled .mo, no .venv, no build/), installed with its dependencies into a new venv that sees
no other site-packages, and run from an empty folder outside the checkout: every file the
demo needs (catalogues, example config, migrations, letter catalogue, simulator page) must
come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

# Building and installing takes ~10 s with a warm pip cache; a cold one fetches the deps.
pytestmark = pytest.mark.timeout(300)

# What a clean clone does not have, or what would leak a developer's state into the build.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "data",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.mo",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "test-artifacts",
    "balai.toml",
)
IN_THE_WHEEL = (
    "bot/locales/id/LC_MESSAGES/messages.mo",
    "bot/locales/en/LC_MESSAGES/messages.mo",
    "bot/balai.example.toml",
    "flows/letters/letters.toml",
    "storage/migrations/env.py",
    "storage/migrations/versions/0001_initial_schema.py",
    "handlers/simulator/static/index.html",
    "handlers/simulator/static/app.js",
    "handlers/simulator/static/app.css",
)
# The machine's environment without Balai's settings or a path into the checkout.
ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith("BALAI_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
}
# Loopback only, whatever http_proxy the machine has.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(*command: str | Path) -> None:
    result = subprocess.run(
        [str(part) for part in command],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{command[:4]} failed:\n{result.stdout}\n{result.stderr}"


def get(url: str) -> str:
    with HTTP.open(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with HTTP.open(request, timeout=10) as response:
        return json.loads(response.read())


def wait_for_page(url: str, process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"balai demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                pytest.fail(f"balai demo did not answer on {url}:\n{log.read_text()}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding the wheel built from a clean copy of the source, and its deps."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CLONE)
    dist = tmp_path / "dist"
    # Built like any `pip install .`: in an isolated build env (setuptools, Babel from the index).
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-w", dist, "-q")
    (wheel,) = dist.glob("balai-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert [name for name in IN_THE_WHEEL if name not in names] == []
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", wheel)
    return venv


def test_installed_wheel_runs_the_bundled_example_from_an_empty_folder(
    installed: Path, tmp_path: Path
):
    village = tmp_path / "anywhere"
    village.mkdir()
    port = free_port()
    log = tmp_path / "balai.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [installed / "bin" / "balai", "demo", "--port", str(port)],
            cwd=village,
            env=ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        page = wait_for_page(base + "/", process, log)
        first, second = log.read_text().splitlines()[:2]
        assert first.startswith("No config file found (BALAI_CONFIG / ./balai.toml): running ")
        assert "bundled example village Desa Sukamaju" in first
        # The example it offers to copy is the wheel's own, not the checkout's.
        assert str(installed.resolve()) in second and str(ROOT) not in second
        assert 'id="phone"' in page and "function" in get(base + "/static/app.js")
        assert json.loads(get(base + "/api/state"))["labels"]["title"] == "Simulator Balai"

        sent = post(base + "/api/send", {"persona": "warga-1", "chat": "warga-1", "text": "/start"})
        assert sent == {"ok": True}
        lines = json.loads(get(base + "/api/messages?chat=warga-1"))["messages"]
        bot_lines = [line["text"] for line in lines if line["sender"] == "bot"]
        assert bot_lines and bot_lines[0].startswith(
            "Selamat datang di layanan daring Desa Sukamaju."
        )
        assert (village / "data" / "balai.db").is_file()

        process.terminate()
        assert process.wait(timeout=20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("command", "env", "named"),
    [
        (("run",), {"BALAI_TELEGRAM_TOKEN": "123:abc"}, "balai.toml"),
        (("demo",), {"BALAI_CONFIG": "mine.toml"}, "mine.toml"),
    ],
)
def test_installed_balai_needs_a_real_config_except_for_the_bare_demo(
    installed: Path, tmp_path: Path, command: tuple[str, ...], env: dict[str, str], named: str
):
    result = subprocess.run(
        [installed / "bin" / "balai", *command],
        cwd=tmp_path,
        # A closed loopback port: nothing may reach Telegram before the config is read.
        env={**ENV, "BALAI_TELEGRAM_API_URL": "http://127.0.0.1:9", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"The config file {named} does not exist" in result.stderr
    assert "bundled example" not in result.stdout and "Traceback" not in result.stderr
