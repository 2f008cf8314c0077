"""Provides the systemd side of the service: the unit file, readiness notification, log format.

``notify`` speaks the ``sd_notify`` datagram protocol (``READY=1``, ``STOPPING=1``,
``STATUS=...``) to ``$NOTIFY_SOCKET`` without libsystemd; it does nothing when the variable is
unset. ``journal_logging`` writes one event a line, no colours, with the ``<N>`` priority prefix
journald reads when stderr is the journal (``$JOURNAL_STREAM``), else with a timestamp.
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import sys
from pathlib import Path

from nanoheater.protocol.sanitize import MAX_LOG_CHARS, sanitize

UNIT_NAME = "nanoheater.service"

_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


def notify(state: str) -> bool:
    """Send ``state`` to systemd; False when not run by systemd (or the socket is gone)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or len(address) > 107:
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(state.encode(), target)
    except OSError:
        return False
    return True


class _JournalFormatter(logging.Formatter):
    def __init__(self, journal: bool) -> None:
        fmt = "%(levelname)s %(name)s: %(message)s"
        super().__init__(fmt if journal else "%(asctime)s " + fmt)
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        # One event a line: a newline inside a message would split it into two journal entries.
        # Sanitised like every other log line: records carry network text (issue 14).
        text = sanitize(super().format(record).replace("\n", " | "), MAX_LOG_CHARS)
        if self.journal:
            return f"<{_PRIORITY.get(record.levelno, 6)}>{text}"
        return text


def journal_logging(verbose: int) -> None:
    """Log to stderr at INFO (DEBUG with -vv), journald-friendly; replaces earlier handlers."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JournalFormatter("JOURNAL_STREAM" in os.environ))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    # aiohttp and zeroconf chatter stays at warnings unless -vv.
    for noisy in ("aiohttp", "zeroconf", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


def unit_text(serve_args: list[str], *, user: bool, executable: str | None = None) -> str:
    """The unit file that runs ``nanoheater serve`` with ``serve_args``."""
    exe = executable or _nanoheater_executable()
    command = " ".join(shlex.quote(part) for part in [*exe.split(" "), "serve", *serve_args])
    wanted = "default.target" if user else "multi-user.target"
    env_file = "%h/.config/nanoheater/service.env" if user else "/etc/nanoheater/service.env"
    return f"""[Unit]
Description=nanoheater home service (heaters, zones, targets; local API)
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
ExecStart={command}
Restart=on-failure
RestartSec=5
# SIGTERM leaves regulated devices at their exit level; give it time to reach every device.
TimeoutStopSec=60
KillSignal=SIGTERM
# The API token (needed only for a non-loopback --api) goes in this file, never on the command line.
EnvironmentFile=-{env_file}
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy={wanted}
"""


def _nanoheater_executable() -> str:
    beside = Path(sys.executable).with_name("nanoheater")
    if beside.exists():
        return str(beside)
    return f"{sys.executable} -m nanoheater"


def unit_path(user: bool) -> Path:
    """Where ``service install`` writes the unit."""
    if user:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "systemd" / "user" / UNIT_NAME
    return Path("/etc/systemd/system") / UNIT_NAME
