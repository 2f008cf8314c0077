"""Provides room temperature sources and the freshness guard that trips the fail-safe.

Sources: the device inlet sensor (only on models whose inlet reads the room), a command that
prints a number, a file holding a number, and an HTTP JSON endpoint such as a Home Assistant
sensor (``{"state": "21.4", ...}``) with a bearer token. The simulator's virtual thermometer
lives with the simulate command, which alone may import the simulator.

``SensorGuard`` keeps the last good reading and answers None once it is older than
``max_age_s`` (a file nobody updates, an endpoint that keeps failing), which the safety
interlock turns into the fail-safe rung.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import shlex
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.models import HeaterStatus

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
PLAUSIBLE_C = (-40.0, 60.0)
"""Room readings outside this range are treated as sensor faults, not temperatures."""


class SensorError(NanoheaterError):
    """A room sensor could not produce a plausible reading."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A room temperature and the time it was measured."""

    temp_c: float
    at_s: float


class RoomSensor(Protocol):
    """Anything that reads the room temperature."""

    label: str

    async def read(self, now_s: float) -> Reading:
        """Return a reading (``at_s`` may be older than ``now_s``); raise SensorError on failure."""
        ...


def parse_number(text: str) -> float:
    """Return the first number in ``text`` if it is a plausible room temperature."""
    match = _NUMBER.search(text)
    if match is None:
        raise SensorError(f"no number in {text.strip()[:40]!r}")
    return plausible(float(match.group()))


def plausible(value: float) -> float:
    """Return ``value`` if it is a finite temperature inside PLAUSIBLE_C, else raise SensorError."""
    if not math.isfinite(value) or not PLAUSIBLE_C[0] <= value <= PLAUSIBLE_C[1]:
        raise SensorError(f"implausible room temperature {value}")
    return value


def extract_json(payload: Any, path: str | None = None) -> float:
    """Pick the temperature from JSON: ``path`` (dotted) or Home Assistant's ``state``."""
    value: Any = payload
    keys = path.split(".") if path else (["state"] if isinstance(payload, dict) else [])
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise SensorError(f"JSON has no {path or 'state'!r}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SensorError(f"JSON value {value!r} is not a number")
    if isinstance(value, str):
        # Home Assistant reports "unavailable"/"unknown" when the sensor is gone.
        try:
            return plausible(float(value))
        except ValueError:
            raise SensorError(f"sensor state is {value!r}") from None
    return plausible(float(value))


class StatusSource(Protocol):
    """The latest status a regulator read of one device (``regulator.Member`` is one)."""

    @property
    def status(self) -> HeaterStatus | None:
        """The last status read, None when the last read failed."""

    @property
    def status_at_s(self) -> float:
        """When (regulator clock) ``status`` was read."""

    @property
    def error(self) -> str:
        """Why the last read failed ("" after a good one)."""


class InletSensor:
    """The device's own inlet sensor; only meaningful where the model's inlet reads the room.

    It reads no device itself: the regulator has just read the device for the tick, and the
    inlet temperature is in that status (a second read per tick doubled the device traffic).
    """

    def __init__(self, source: StatusSource, label: str = "inlet") -> None:
        self.source = source
        self.label = label

    async def read(self, now_s: float) -> Reading:
        """``inlet_temp_c`` of the status read this tick; an unreachable device is a SensorError."""
        status = self.source.status
        if status is None:
            # The guard must see a sensor fault (and fall back), not a crash of the whole tick.
            raise SensorError(f"{self.label}: {self.source.error or 'no reading yet'}")
        if status.inlet_temp_c is None:
            raise SensorError("device reports no inlet temperature")
        return Reading(plausible(status.inlet_temp_c), min(now_s, self.source.status_at_s))


class CommandSensor:
    """Run a command (no shell) and parse the first number it prints."""

    def __init__(self, argv: list[str], timeout_s: float = 10.0) -> None:
        if not argv:
            raise UsageError("sensor command is empty")
        self.argv = argv
        self.timeout_s = timeout_s
        # Only the program name: arguments may carry tokens, and labels end up in logs.
        self.label = f"cmd:{Path(argv[0]).name}"

    async def read(self, now_s: float) -> Reading:
        """Run the command once."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            )
        except OSError as exc:
            raise SensorError(f"cannot run {self.argv[0]}: {exc.strerror}") from None
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), self.timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise SensorError(f"sensor command timed out after {self.timeout_s:g} s") from None
        if proc.returncode != 0:
            raise SensorError(f"sensor command exited with {proc.returncode}")
        return Reading(parse_number(out.decode(errors="replace")), now_s)


class FileSensor:
    """A file holding a number; its modification time is the time of the reading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = f"file:{path}"

    async def read(self, now_s: float) -> Reading:
        """Read the file; the reading is as old as the file."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
            mtime = self.path.stat().st_mtime
        except OSError as exc:
            raise SensorError(f"cannot read {self.path}: {exc.strerror}") from None
        return Reading(parse_number(text), min(mtime, now_s))


class HttpJsonSensor:
    """GET a JSON document (e.g. Home Assistant ``/api/states/sensor.x``), optional token."""

    def __init__(
        self, url: str, token: str | None = None, path: str | None = None, timeout_s: float = 5.0
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"not an HTTP URL: {url}")
        self.url = url
        self.token = token
        self.path = path
        self.timeout_s = timeout_s
        self.label = redact_url(url)
        """The URL with any credentials and query values masked: labels end up in logs."""

    def _fetch(self) -> Any:
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:  # noqa: S310
                return json.loads(reply.read(1 << 20))
        except urllib.error.HTTPError as exc:
            exc.close()  # it carries the open response: close the socket now, not at GC
            raise SensorError(f"{self.label}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = str(exc).replace(self.url, self.label)
            raise SensorError(f"{self.label}: {reason}") from None

    async def read(self, now_s: float) -> Reading:
        """Fetch in a worker thread (urllib blocks) and extract the value."""
        payload = await asyncio.to_thread(self._fetch)
        return Reading(extract_json(payload, self.path), now_s)


def redact_url(url: str) -> str:
    """Return ``url`` with its user info and every query value replaced by ``***``.

    >>> redact_url("https://ha:pw@ha.local/api?token=abc&x=1")
    'https://***@ha.local/api?token=***&x=***'
    """
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{key}=***" for key, _ in pairs) if pairs else parts.query and "***"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def sensor_from_spec(
    spec: str, *, token: str | None = None, inlet: StatusSource | None = None
) -> RoomSensor:
    """Build a sensor from ``inlet``, ``cmd:COMMAND``, ``file:PATH`` or ``http(s)://URL[#json.path]``.

    ``inlet`` reads the status the regulator read of the device ``inlet`` (see ``InletSensor``).
    """
    if spec == "inlet":
        if inlet is None:
            raise UsageError("the inlet sensor needs a device")
        return InletSensor(inlet)
    if spec.startswith("cmd:"):
        return CommandSensor(shlex.split(spec[4:]))
    if spec.startswith("file:"):
        return FileSensor(Path(spec[5:]).expanduser())
    if spec.startswith(("http://", "https://")):
        url, _, path = spec.partition("#")
        return HttpJsonSensor(url, token, path or None)
    raise UsageError(
        f"unknown sensor {spec!r}; use inlet, cmd:COMMAND, file:PATH or an http(s) URL"
    )


class SensorGuard:
    """Reads a sensor and reports None (with a reason) once the last good reading is too old."""

    def __init__(self, sensor: RoomSensor, max_age_s: float = 300.0) -> None:
        self.sensor = sensor
        self.max_age_s = max_age_s
        self.last: Reading | None = None
        self.problem = ""

    async def read(self, now_s: float) -> float | None:
        """Return a fresh temperature, or None when there is none fresh enough (see ``problem``)."""
        try:
            reading = await self.sensor.read(now_s)
        except SensorError as exc:
            self.problem = str(exc)
        else:
            if self.last is None or reading.at_s >= self.last.at_s:
                self.last = reading
            self.problem = ""
        if self.last is None:
            self.problem = self.problem or "no reading yet"
            return None
        age = now_s - self.last.at_s
        if age > self.max_age_s:
            self.problem = f"{self.sensor.label} stale for {age:.0f} s" + (
                f" ({self.problem})" if self.problem else ""
            )
            return None
        return self.last.temp_c
