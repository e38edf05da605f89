"""Behind a proxy, Telegram calls go through PTB's httpx client, which honours it."""

from __future__ import annotations

from telegram.request import HTTPXRequest

from handlers.telegram.bot import build_application
from handlers.telegram.http import BotApiRequest


def test_without_a_proxy_balais_own_client_makes_the_calls(monkeypatch):
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    application = build_application("http://127.0.0.1:9", "123:abc")
    assert isinstance(application.bot.request, BotApiRequest)


def test_behind_a_proxy_ptbs_client_makes_the_calls(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.desa.local:3128")
    application = build_application("http://127.0.0.1:9", "123:abc")
    assert isinstance(application.bot.request, HTTPXRequest)
