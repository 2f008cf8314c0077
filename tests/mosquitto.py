"""Provides a real Mosquitto broker on loopback for the MQTT tests.

The broker runs as a child process with a temporary config: one listener on 127.0.0.1 and a
free port, anonymous clients allowed (the listener is loopback-only inside the test run's private
network namespace), no persistence. ``.ci/run`` installs the ``mosquitto`` Debian package when it
is absent. ``restart()`` brings the broker back on the same port (the bridge must reconnect to it)
and ``kill()`` ends it with SIGKILL.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

_CANDIDATES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
START_TIMEOUT_S = 10.0


def mosquitto_binary() -> str | None:
    """Return the path of the mosquitto executable, or None when it is not installed."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((path for path in _CANDIDATES if Path(path).is_file()), None)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    """One Mosquitto process listening on ``host:port``; start, stop, restart, kill."""

    def __init__(
        self,
        binary: str,
        folder: Path,
        port: int | None = None,
        *,
        users: dict[str, str] | None = None,
    ) -> None:
        self.binary = binary
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.folder = folder
        self.config = folder / "mosquitto.conf"
        self.log = folder / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        # "user root" keeps mosquitto from dropping privileges to a "mosquitto" account that the
        # user namespace of the test run cannot switch to; a non-root run ignores the line.
        access = "allow_anonymous true\n"
        if users:
            # Real authentication: mosquitto_passwd hashes each password into the file.
            passwords = folder / "passwords"
            passwords.write_text("", encoding="utf-8")
            tool = str(Path(binary).with_name("mosquitto_passwd"))
            if not Path(tool).is_file():
                tool = shutil.which("mosquitto_passwd") or "mosquitto_passwd"
            for user, password in users.items():
                subprocess.run([tool, "-b", str(passwords), user, password], check=True)
            access = f"allow_anonymous false\npassword_file {passwords}\n"
        self.config.write_text(
            f"listener {self.port} {self.host}\n"
            f"{access}"
            "persistence false\n"
            "user root\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n",
            encoding="utf-8",
        )

    @property
    def url(self) -> str:
        """The broker as an ``mqtt://`` URL."""
        return f"mqtt://{self.host}:{self.port}"

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        log = self.log.open("ab")
        self._process = subprocess.Popen(
            [self.binary, "-c", str(self.config)], stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text(errors='replace')}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=0.5),
            ):
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} in {START_TIMEOUT_S} s")

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after 5 s) and wait for it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def restart(self, down_s: float = 0.0) -> None:
        """Stop the broker, stay down ``down_s`` seconds, and start it again on the same port."""
        self.stop()
        if down_s:
            time.sleep(down_s)
        self.start()

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None
