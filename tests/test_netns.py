"""The run itself: it happens inside a private, loopback-only network namespace."""

from __future__ import annotations

import os
import socket

import pytest

from tests import netns


def test_run_is_inside_private_namespace() -> None:
    """Pins that the suite runs where only ``lo`` exists, unless namespaces are unavailable."""
    if os.environ.get(netns.ENV_FLAG, "").startswith("unavailable"):
        pytest.skip(os.environ[netns.ENV_FLAG])
    assert netns.only_loopback()


def test_non_loopback_connect_is_refused() -> None:
    """Pins that pytest-socket refuses any TCP connect outside 127.0.0.0/8."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(Exception, match=r"(?i)socket|host|allowed"):
            sock.connect(("192.0.2.1", 4028))
    finally:
        sock.close()
