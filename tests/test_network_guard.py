"""The guard that keeps tests on loopback really is in place."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import _is_loopback


def test_loopback_addresses_pass_and_others_do_not():
    assert _is_loopback(("127.0.0.1", 80))
    assert _is_loopback(("::1", 80, 0, 0))
    assert _is_loopback(("localhost", 80))
    assert _is_loopback("data/some.sock")
    assert not _is_loopback(("192.0.2.1", 443))
    assert not _is_loopback(("api.telegram.org", 443))  # names are resolved, never trusted


def test_name_lookup_beyond_loopback_fails_the_test():
    with pytest.raises(AssertionError, match="network"):
        socket.getaddrinfo("api.telegram.org", 443)


def test_sockets_carry_the_guard():
    assert socket.socket.connect.__qualname__.endswith("connect")
    assert socket.socket.connect.__module__ == "tests.conftest"
