"""Provides what the network benchmarks share: a private namespace and a fleet in a child process.

Every benchmark that opens sockets re-executes itself inside a loopback-only network namespace
(the same one the test suite uses, tests/netns.py), so nothing it sends can leave the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_namespace(script: str, argv: list[str]) -> None:
    """Re-execute ``script`` with ``argv`` in a private loopback-only namespace, unless inside."""
    sys.path.insert(0, str(ROOT))
    from tests import netns

    if os.environ.get(netns.ENV_FLAG) == "1" and netns.only_loopback():
        return
    command = netns.namespace_command([sys.executable, str(Path(script).resolve()), *argv])
    if command is None:
        sys.exit("this benchmark needs 'unshare -rn' (a private network namespace); not available")
    os.environ[netns.ENV_FLAG] = "1"
    os.execvpe(command[0], command, os.environ)  # noqa: S606 - replaces this process on purpose


def start_fleet(fleet_args: list[str]) -> subprocess.Popen[str]:
    """Start ``firmware-sim`` with ``fleet_args`` in a child process and wait until it serves."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware_sim", *fleet_args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving"):
            return proc
    raise SystemExit(f"firmware-sim exited ({proc.wait()}) before serving")
