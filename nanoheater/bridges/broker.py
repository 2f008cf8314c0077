"""Provides the MQTT broker address: ``mqtt[s]://user@host:port`` plus a password kept secret.

The password never comes from the URL (a command line shows up in ``ps`` and shell history): it
is read from ``NANOHEATER_MQTT_PASSWORD`` or ``[mqtt] password`` in config.toml, and it is left out
of every ``repr`` and message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from nanoheater.exceptions import UsageError

PASSWORD_ENV = "NANOHEATER_MQTT_PASSWORD"  # noqa: S105 - the variable's name, not a secret
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the bridge connects, and as whom."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """``mqtt[s]://user@host:port`` for logs: never the password."""
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str, *, config_password: str | None = None) -> BrokerAddress:
    """Read ``mqtt[s]://[user@]host[:port]``; the password comes from the environment or config.

    Raises:
        UsageError: not an mqtt/mqtts URL, no host, a bad port, or a password inside the URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise UsageError(f"--mqtt wants mqtt://[user@]host[:port] or mqtts://...; got {url!r}")
    if parts.password is not None:
        raise UsageError(
            f"--mqtt: put the password in {PASSWORD_ENV} or [mqtt] password in config.toml, "
            "not in the URL"
        )
    if not parts.hostname:
        raise UsageError("--mqtt: the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise UsageError("--mqtt: the port must be a number from 1 to 65535") from None
    if parts.path not in ("", "/") or parts.query:
        raise UsageError("--mqtt: the URL takes no path or query")
    password = os.environ.get(PASSWORD_ENV) or config_password
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "mqtts",
        username=unquote(parts.username) if parts.username else None,
        password=password or None,
    )
