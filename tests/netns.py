"""Provides the private network namespace every test run executes in.

No test may send a packet off this machine (issue 2). TCP is fenced by pytest-socket's
``--allow-hosts=127.0.0.0/8``; multicast (mDNS) cannot be fenced that way, so the whole run is
re-executed inside a fresh user+network namespace (``unshare -rn``) whose only interface is a
loopback with multicast enabled. Inside it, nothing can leave the machine whatever a test does.
Where namespaces are unavailable the run continues outside and ``mdns`` tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

ENV_FLAG = "NANOHEATER_NETNS"
"""Set to "1" inside the namespace the run made, to "unavailable: <why>" when it could not."""

_SETUP = (
    "ip link set lo up && ip link set lo multicast on && "
    'ip route add 224.0.0.0/4 dev lo && exec "$@"'
)


def only_loopback() -> bool:
    """Return True when the only network interface visible to this process is ``lo``."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def namespace_command(argv: list[str]) -> list[str] | None:
    """Return ``argv`` wrapped to run in a private network namespace, or None if impossible."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        return None
    probe = subprocess.run(
        [unshare, "-rn", "sh", "-c", _SETUP, "sh", "true"],
        capture_output=True,
        check=False,
        timeout=10,
    )
    if probe.returncode != 0:
        return None
    return [unshare, "-rn", "sh", "-c", _SETUP, "sh", *argv]


def reexec_in_namespace() -> str | None:
    """Re-execute this pytest run inside a private network namespace.

    Returns None when already inside one (or after exec never), else the reason it is impossible.
    """
    if os.environ.get(ENV_FLAG) == "1" and only_loopback():
        return None
    if os.environ.get(ENV_FLAG, "").startswith("unavailable"):
        return os.environ[ENV_FLAG]
    if sys.platform != "linux":
        return "unavailable: private network namespaces need Linux"
    command = namespace_command([sys.executable, "-m", "pytest", *sys.argv[1:]])
    if command is None:
        reason = "unavailable: 'unshare -rn' is not permitted here"
        os.environ[ENV_FLAG] = reason
        return reason
    os.environ[ENV_FLAG] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command[0], command, os.environ)  # noqa: S606 - replaces this process on purpose


_CLONE_NEWNET = 0x40000000


def enter_worker_namespace() -> str | None:
    """Move this process (a pytest-xdist worker) into a network namespace of its own.

    The run's namespace already isolates the suite from the machine; a namespace per worker also
    isolates the workers from each other, so tests that listen on fixed loopback addresses and
    ports (127.0.0.41:4028, the simulator's control port) never collide. The worker talks to the
    controller over pipes, not sockets, so leaving the shared namespace cuts nothing. Called before
    any test runs, from the main thread: threads started later inherit the new namespace.
    Returns None on success, else why it was not possible (the worker then stays where it was).
    """
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        return f"unshare(CLONE_NEWNET) failed: {os.strerror(ctypes.get_errno())}"
    setup = _SETUP.replace(' && exec "$@"', "")
    done = subprocess.run(["sh", "-c", setup], capture_output=True, check=False, timeout=10)
    if done.returncode != 0:
        return f"loopback setup failed: {done.stderr.decode(errors='replace').strip()}"
    return None
