"""The run itself: it happens inside a private, loopback-only network namespace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

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


def test_a_worker_namespace_is_its_own_loopback() -> None:
    """enter_worker_namespace gives a process a fresh namespace whose only interface is lo."""
    code = (
        "import os, sys; sys.path.insert(0, os.getcwd()); from tests import netns; "
        "r = netns.enter_worker_namespace(); "
        "print(r, os.readlink('/proc/self/ns/net'), netns.only_loopback())"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reason, namespace, loopback_only = done.stdout.split()
    assert reason == "None"
    assert namespace != os.readlink("/proc/self/ns/net")
    assert loopback_only == "True"
