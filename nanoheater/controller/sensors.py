"""Provides room temperature sources and the freshness guard that trips the fail-safe.

Sources: the device inlet sensor (only on models whose inlet reads the room), a command that
prints a number, a file holding a number, and an HTTP JSON endpoint such as a Home Assistant
sensor (``{"state": "21.4", ...}``) with a bearer token. The simulator's virtual thermometer
lives with the simulate command, which alone may import the simulator.

``SensorGuard`` keeps the last good reading and answers None once it is older than
``max_age_s`` (a file nobody updates, an endpoint that keeps failing), which the safety
interlock turns into the fail-safe rung.

A sensor is an untrusted device (issue 14): every read has a total deadline, any exception it
raises is a lost reading rather than a crashed tick, replies are size-capped, credentials in a
URL are sent as HTTP basic auth and never printed, and a token is sent only to the configured
origin (never after a redirect to another host, port or scheme). A reading above the plausible
range is not thrown away: ``SensorGuard.latest_c`` keeps it for the max-room interlock.
"""

from __future__ import annotations

import asyncio
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nanoheater.atomic import read_regular_file
from nanoheater.controller.sensor_http import (
    FetchError,
    fetch_json,
    redact_url,
    split_credentials,
    tls_context,
)
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.models import HeaterStatus
from nanoheater.protocol.sanitize import sanitize

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
PLAUSIBLE_C = (-40.0, 60.0)
"""Room readings outside this range are treated as sensor faults, not temperatures."""


SENSOR_DEADLINE_S = 15.0
"""Total time one sensor read may take, whatever the sensor does (trickle, hang, slow command)."""
MAX_SENSOR_BYTES = 1 << 16
"""Most bytes read from a sensor command, file or HTTP reply; a temperature needs a few."""


class SensorError(NanoheaterError):
    """A room sensor could not produce a plausible reading."""


class ImplausibleReading(SensorError):
    """A sensor gave a number outside PLAUSIBLE_C; ``value`` is kept for the max-room interlock."""

    def __init__(self, value: float) -> None:
        super().__init__(f"implausible room temperature {value:g}")
        self.value = value


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
        raise ImplausibleReading(value)
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
        """Run the command once; it is killed at the deadline or when the read is cancelled."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            )
        except OSError as exc:
            raise SensorError(f"cannot run {self.argv[0]}: {exc.strerror}") from None
        try:
            async with asyncio.timeout(self.timeout_s):
                assert proc.stdout is not None  # noqa: S101 - PIPE above
                out = await _read_capped(proc.stdout)
                if len(out) > MAX_SENSOR_BYTES:
                    raise SensorError(f"sensor command printed over {MAX_SENSOR_BYTES} bytes")
                returncode = await proc.wait()
        except TimeoutError:
            raise SensorError(f"sensor command timed out after {self.timeout_s:g} s") from None
        finally:
            if proc.returncode is None:
                proc.kill()  # timed out, cancelled by the guard's deadline, or printing too much
                # Drain what is left in the pipe and reap it (killed: at once), or its transport
                # outlives the loop.
                await proc.communicate()
        if returncode != 0:
            raise SensorError(f"sensor command exited with {returncode}")
        return Reading(parse_number(out.decode(errors="replace")), now_s)


async def _read_capped(stream: asyncio.StreamReader) -> bytes:
    """Read to EOF or just past MAX_SENSOR_BYTES (a command printing forever is cut off)."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_SENSOR_BYTES:
        chunk = await stream.read(1 << 14)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class FileSensor:
    """A file holding a number; its modification time is the time of the reading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = f"file:{path}"

    async def read(self, now_s: float) -> Reading:
        """Read the file; the reading is as old as the file.

        Only a regular file is read, and only its first MAX_SENSOR_BYTES: a FIFO would block
        the event loop and ``/dev/zero`` would never end.
        """
        try:
            data = read_regular_file(self.path, MAX_SENSOR_BYTES)
            mtime = self.path.stat().st_mtime
        except OSError as exc:
            raise SensorError(f"cannot read {self.path}: {exc.strerror}") from None
        text = data.decode("utf-8", errors="replace")
        return Reading(parse_number(text), min(mtime, now_s))


class HttpJsonSensor:
    """GET a JSON document (e.g. Home Assistant ``/api/states/sensor.x``), optional token.

    Credentials in the URL (``http://user:pass@host:8123/...``) are sent as basic auth; the
    label, every message and every log line show the URL redacted. An https server's certificate
    is always verified: against the system's authorities, or against ``ca_file`` (settings
    ``sensor_ca_file``) for a home sensor with a self-signed certificate.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        path: str | None = None,
        timeout_s: float = 5.0,
        *,
        ca_file: Path | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"not an HTTP URL: {redact_url(url)}")
        try:
            self.url, self.credentials = split_credentials(url)
        except ValueError:
            raise UsageError(f"not a valid URL: {sanitize(redact_url(url))}") from None
        # One Authorization header: credentials written into this URL beat a general token.
        self.token = None if self.credentials else token
        self.path = path
        self.timeout_s = timeout_s
        self.label = sanitize(redact_url(url))
        """The URL with any credentials and query values masked: labels end up in logs."""
        try:
            # Built once (it reads the CA file), not on every read on the event loop.
            self.tls = tls_context(ca_file) if url.startswith("https://") or ca_file else None
        except ValueError as exc:
            raise UsageError(sanitize(exc)) from None

    async def read(self, now_s: float) -> Reading:
        """Fetch within ``timeout_s`` (the whole exchange, redirects included) and extract."""
        try:
            async with asyncio.timeout(self.timeout_s):
                payload = await fetch_json(
                    self.url,
                    token=self.token,
                    credentials=self.credentials,
                    max_bytes=MAX_SENSOR_BYTES,
                    tls=self.tls,
                )
        except FetchError as exc:
            raise SensorError(f"{self.label}: {exc}") from None
        except TimeoutError:
            raise SensorError(f"{self.label}: no reply within {self.timeout_s:g} s") from None
        return Reading(extract_json(payload, self.path), now_s)


def sensor_from_spec(
    spec: str,
    *,
    token: str | None = None,
    inlet: StatusSource | None = None,
    ca_file: Path | None = None,
) -> RoomSensor:
    """Build a sensor from ``inlet``, ``cmd:COMMAND``, ``file:PATH`` or ``http(s)://URL[#json.path]``.

    ``inlet`` reads the status the regulator read of the device ``inlet`` (see ``InletSensor``);
    ``ca_file`` is the https sensor's trusted certificates (settings ``sensor_ca_file``).
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
        return HttpJsonSensor(url, token, path or None, ca_file=ca_file)
    raise UsageError(
        f"unknown sensor {spec!r}; use inlet, cmd:COMMAND, file:PATH or an http(s) URL"
    )


class SensorGuard:
    """Reads a sensor and reports None (with a reason) once the last good reading is too old.

    Every read ends by ``deadline_s`` and no exception from the sensor escapes: an untrusted
    sensor can lose its reading but never stall or crash the tick that asked for it.
    """

    def __init__(
        self, sensor: RoomSensor, max_age_s: float = 300.0, deadline_s: float = SENSOR_DEADLINE_S
    ) -> None:
        self.sensor = sensor
        self.max_age_s = max_age_s
        self.deadline_s = deadline_s
        self.last: Reading | None = None
        self.latest_c: float | None = None
        """The newest value the sensor gave, of any age, plausible or not (NaN excluded).

        The max-room interlock looks at it: a room reported above the hard maximum stays "too
        hot" until a newer reading says otherwise, even when that value is stale or implausible.
        """
        self.problem = ""

    async def read(self, now_s: float) -> float | None:
        """Return a fresh temperature, or None when there is none fresh enough (see ``problem``)."""
        try:
            async with asyncio.timeout(self.deadline_s):
                reading = await self.sensor.read(now_s)
        except ImplausibleReading as exc:
            self.problem = str(exc)
            if not math.isnan(exc.value):
                self.latest_c = exc.value
        except SensorError as exc:
            self.problem = sanitize(exc)
        except TimeoutError:
            self.problem = f"{self.sensor.label}: no reading within {self.deadline_s:g} s"
        except Exception as exc:
            # Only the type: the text of an unexpected error may carry a URL with credentials.
            self.problem = f"{self.sensor.label}: failed ({type(exc).__name__})"
        else:
            if self.last is None or reading.at_s >= self.last.at_s:
                self.last = reading
            # The value just read is the newest the sensor gave, whatever its own stamp says:
            # a hot reading stamped before the last one (a file's mtime, a clock stepped back)
            # was ignored, and the last cold reading kept heating (issue 14: time is input).
            self.latest_c = reading.temp_c
            self.problem = ""
        if self.last is None:
            self.problem = self.problem or "no reading yet"
            return None
        fresh = self.fresh_c(now_s)
        if fresh is None:
            age = now_s - self.last.at_s
            self.problem = f"{self.sensor.label} stale for {age:.0f} s" + (
                f" ({self.problem})" if self.problem else ""
            )
        return fresh

    def fresh_c(self, now_s: float) -> float | None:
        """The last good reading while it is at most ``max_age_s`` old at ``now_s``, else None.

        No read: between reads (and once reads stop) a stale value is never handed on.
        """
        last = self.last
        if last is None or now_s - last.at_s > self.max_age_s:
            return None
        return last.temp_c


__all__ = [
    "CommandSensor",
    "FileSensor",
    "HttpJsonSensor",
    "ImplausibleReading",
    "InletSensor",
    "Reading",
    "RoomSensor",
    "SensorError",
    "SensorGuard",
    "redact_url",
    "sensor_from_spec",
]
