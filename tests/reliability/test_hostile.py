"""Hostile devices: bounded memory and time, typed errors, and nothing raw reaching a terminal.

The HostileDevice behaviours (endless stream, 100 MB reply, one byte a second, silence, deep
nesting, huge numbers, NaN/inf, escapes and invalid UTF-8) run against the real client with a
short ``timeout_s``; a poisoning proxy in front of a simulated device puts escape sequences in
product names, MACs, pool URLs and users, status messages and MM ID0 text, and leaks a pool
password. The CLI runs as a subprocess so its exact stdout/stderr bytes are checked.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault
from nanoheater.cli.device import format_status
from nanoheater.client import HeaterClient
from nanoheater.const import MAX_REPLY_BYTES
from nanoheater.discovery import browse
from nanoheater.discovery.mdns import MAX_NAME_CHARS, MAX_TXT_CHARS, heater_from_service
from nanoheater.exceptions import DeviceTimeout, NanoheaterError, ProtocolError
from nanoheater.models import HeaterStatus
from nanoheater.protocol.codec import decode_reply
from nanoheater.protocol.sanitize import MAX_TEXT_CHARS
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.eventlog import Severity
from tests.reliability.hostile import (
    ESCAPES,
    MARKUP,
    SECRET_PASS,
    HostileDevice,
    behaviours,
    markup_reply,
    poison_reply,
    proxy,
)
from tests.reliability.rigs import is_clean, make_heater, tcp_client

TIMEOUT_S = 0.5
MEMORY_BOUND_B = 8 * 1024 * 1024
"""Peak traced allocation allowed for any one hostile exchange (the reply cap is 256 KiB)."""
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Trace allocations inside the block; the list gets the peak in bytes."""
    result: list[int] = []
    tracemalloc.start()
    try:
        yield result
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result.append(peak)


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere inside a model dump or JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings_in(v)


# ---- transport and codec bounds --------------------------------------------------------------

BOUNDED = [
    ("endless", ProtocolError),
    ("huge", ProtocolError),
    ("trickle", DeviceTimeout),
    ("silence", DeviceTimeout),
    ("deep_nesting", ProtocolError),
    ("huge_numbers", ProtocolError),
    ("nan_inf", ProtocolError),
    ("escapes", ProtocolError),
    ("invalid_utf8", ProtocolError),
]


@pytest.mark.parametrize(("behaviour", "error"), BOUNDED)
async def test_hostile_peer_ends_in_a_typed_error_within_bounds(
    behaviour: str, error: type[Exception]
) -> None:
    """Pins: each hostile behaviour gives its typed error, clean text, under the memory bound."""
    async with HostileDevice(behaviour).running() as device:
        client = tcp_client(device.host, device.port, timeout_s=TIMEOUT_S)
        with peak_memory() as peak, pytest.raises(error) as raised:
            # The outer guard only turns a hang into a failure; the client's deadline acts first.
            async with asyncio.timeout(30):
                await client.get_status()
        assert peak[0] < MEMORY_BOUND_B
        message = str(raised.value)
        assert is_clean(message)
        assert len(message) < 400
        assert f"{device.host}:{device.port}" in message


@pytest.mark.parametrize("behaviour", ["deep_nesting", "huge_numbers", "nan_inf", "escapes"])
def test_codec_on_hostile_payloads_is_typed(behaviour: str) -> None:
    """Pins: the codec answers every fixed hostile payload with a dict or a ProtocolError."""

    class Capture:
        data = b""

        def write(self, data: bytes) -> None:
            self.data += data

        async def drain(self) -> None:
            return None

    class Reader:
        async def read(self, _n: int) -> bytes:
            return b'{"command":"summary"}'

    writer = Capture()
    asyncio.run(behaviours()[behaviour](Reader(), writer))  # type: ignore[arg-type]
    outcome: dict[str, Any] | ProtocolError
    try:
        outcome = decode_reply(writer.data)
    except ProtocolError as exc:
        outcome = exc
    if isinstance(outcome, ProtocolError):
        assert is_clean(str(outcome))
        return
    numbers = [v for e in outcome.get("SUMMARY", []) for v in e.values()]
    assert all(isinstance(v, int | float) and abs(v) < 1e309 and v == v for v in numbers)


def test_reply_cap_is_enforced_before_decoding() -> None:
    """Pins: the codec refuses a reply over MAX_REPLY_BYTES instead of parsing it."""
    with pytest.raises(ProtocolError):
        decode_reply(b"{" + b" " * MAX_REPLY_BYTES + b"}")


# ---- poisoned strings through the client ----------------------------------------------------


def _poisoned(heater: SimulatedHeater, raw: bool) -> HostileDevice:
    return HostileDevice(proxy(heater.handle, lambda r: poison_reply(r, raw_controls=raw)))


def _assert_clean_status(status: HeaterStatus) -> None:
    dumped = status.model_dump(mode="json")
    for text in strings_in(dumped):
        assert is_clean(text), text
        assert "pwned" not in text  # OSC title sequences are removed whole
        assert len(text) <= MAX_TEXT_CHARS
    assert SECRET_PASS not in json.dumps(dumped)


@pytest.mark.parametrize("raw", [False, True], ids=["json-escaped", "raw-bytes"])
@pytest.mark.parametrize("model", ["mini3", "q"])
async def test_poisoned_strings_are_sanitised_by_the_client(model: str, raw: bool) -> None:
    """Pins: escapes in names, MACs, pools and blob text come out clean; the password never."""
    heater, _ = make_heater(model)
    async with _poisoned(heater, raw).running() as device:
        client = tcp_client(device.host, device.port, timeout_s=TIMEOUT_S)
        status = await client.get_status()
        pools = await client.get_pools()
    _assert_clean_status(status)
    assert status.info.mac is None  # a MAC with junk in it is no MAC
    assert status.info.product.startswith("Avalon")
    assert status.power_w is not None  # the poisoned MM ID0 blob was still parsed
    assert status.pool_url is not None
    assert status.pool_url.startswith("stratum+tcp://pool.sim.invalid:3333")
    for pool in pools:
        for text in strings_in(pool.model_dump(mode="json")):
            assert is_clean(text)
        assert SECRET_PASS not in repr(pool)
    assert all(is_clean(line) for line in format_status(status).splitlines())


def _run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "nanoheater", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def _assert_terminal_safe(output: bytes) -> None:
    for byte in (b"\x1b", b"\xc2\x9b", b"\x07", b"\x08", b"\r", b"\x00"):
        assert byte not in output, (byte, output[:200])
    assert SECRET_PASS.encode() not in output
    output.decode("utf-8")  # what reaches the terminal is valid UTF-8


async def test_cli_prints_nothing_raw_from_a_poisoned_device() -> None:
    """Pins: status (table and --json) and a refused set print clean bytes, no password."""
    heater, _ = make_heater("mini3")
    async with _poisoned(heater, True).running() as device:
        target = f"{device.host}:{device.port}"
        table = await asyncio.to_thread(_run_cli, "status", target, "--timeout", "2")
        as_json = await asyncio.to_thread(_run_cli, "status", target, "--json", "--timeout", "2")
        arm_fault(heater, "calibrating")
        refused = await asyncio.to_thread(
            _run_cli, "set", target, "--mode", "Night", "--timeout", "2"
        )
    assert table.returncode == 0, table.stderr
    assert as_json.returncode == 0, as_json.stderr
    assert refused.returncode == 3, refused.stderr
    assert b"caling" in refused.stderr
    for run in (table, as_json, refused):
        _assert_terminal_safe(run.stdout + run.stderr)
    json.loads(as_json.stdout)


async def test_tui_shows_nothing_raw_from_a_poisoned_device(tmp_path: Path) -> None:
    """Pins: the TUI's fleet data, event log and rendered screen hold no escape from a device."""
    from tests.reliability.tui_rig import settle

    heater, _ = make_heater("mini3")
    async with _poisoned(heater, True).running() as device:

        async def connect(found: Any) -> HeaterClient:
            return tcp_client(found.host, found.port, timeout_s=TIMEOUT_S)

        def discover() -> Any:
            return browse(mdns=False, hosts=[f"{device.host}:{device.port}"], timeout_s=1.0)

        from nanoheater.config import Settings

        app = NanoheaterApp(
            Settings(),
            connect=connect,
            discover=discover,
            config_file=tmp_path / "config.toml",
            poll_interval_s=3600.0,
            control_interval_s=3600.0,
        )
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            entries = list(app.fleet)
            assert len(entries) == 1
            entry = entries[0]
            assert entry.online is True
            assert entry.status is not None
            _assert_clean_status(entry.status)
            assert is_clean(entry.name)
            assert all(is_clean(e.text) for e in app.events)
            assert not [e for e in app.events if e.severity is Severity.ERROR]
            screen = app.export_screenshot()
    assert entry.status.power_w is not None  # the poisoned blob was still read
    assert not any(char in screen for char in ("\x1b", "\x9b", "\x07", "\x08", "\u202e"))
    assert "pwned" not in screen  # an OSC title sequence is removed whole, payload included


# ---- discovery: probe and mDNS TXT ------------------------------------------------------------


async def test_probe_of_an_escape_device_gives_a_clean_name() -> None:
    """Pins: a probed device with escapes in PROD and MAC is listed with a clean, capped name."""
    async with HostileDevice("escapes").running() as device:
        found = [h async for h in browse(mdns=False, hosts=[f"{device.host}:{device.port}"])]
    assert len(found) == 1
    assert is_clean(found[0].name)
    assert found[0].mac is None


def test_mdns_txt_values_and_names_are_sanitised() -> None:
    """Pins: escape sequences, invalid UTF-8 and huge TXT values are cleaned and capped."""
    service = "_avalon-miner._tcp.local."
    poison = ESCAPES.encode() + b"\xff\xfe\xc3\x28" + b"A" * 100_000
    heater = heater_from_service(
        f"Avalon{ESCAPES}Q 3053{'x' * 500}.{service}",
        service,
        ["127.0.0.1"],
        4028,
        {
            b"model": b"q" + poison,
            b"\x1bmodel": b"nano3",
            b"mac": poison,
            b"dna": poison,
            b"firmware": poison,
            b"x" * 1000: poison,
        },
    )
    assert heater is not None
    for text in strings_in(heater.model_dump(mode="json")):
        assert is_clean(text)
        assert len(text) <= max(MAX_NAME_CHARS, MAX_TXT_CHARS)
    assert heater.model is None  # "q" + junk is not a model; "\x1bmodel" is not the key
    assert heater.mac is None
    assert heater.dna is None


# ---- the same peers over a serial link (pyserial socket://) ------------------------------------


@pytest.mark.parametrize("behaviour", ["endless", "huge", "trickle", "silence", "escapes"])
async def test_hostile_peer_over_a_serial_link_is_bounded_and_quiet(behaviour: str) -> None:
    """Pins: over socket:// each hostile peer ends in a typed error, bounded, nothing left over."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    try:
        async with HostileDevice(behaviour).running() as device:
            client = await HeaterClient.connect(
                f"socket://{device.host}:{device.port}", timeout_s=TIMEOUT_S
            )
            with peak_memory() as peak, pytest.raises(NanoheaterError) as raised:
                async with asyncio.timeout(30):
                    await client.get_status()
            async with asyncio.timeout(5):
                await client.close()
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert peak[0] < MEMORY_BOUND_B
    assert is_clean(str(raised.value))
    assert unhandled == []  # no "Task exception was never retrieved" from the executor


async def test_cli_serial_timeout_is_one_line() -> None:
    """Pins: a silent serial peer gives exit 4 and exactly one clean line on stderr."""
    async with HostileDevice("silence").running() as device:
        run = await asyncio.to_thread(
            _run_cli, "status", f"socket://{device.host}:{device.port}", "--timeout", "0.5"
        )
    assert run.returncode == 4
    assert run.stdout == b""
    lines = run.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("nanoheater: socket://")


async def test_markup_in_device_text_is_shown_as_text_not_run(tmp_path: Path) -> None:
    """Pins: '[/]' and '[@click=…]' from a device neither crash the TUI nor become markup."""
    from textual.content import Content
    from textual.notifications import Notification

    from nanoheater.config import Settings
    from nanoheater.tui.screens.device import DeviceScreen
    from tests.reliability.tui_rig import settle

    heater, _ = make_heater("mini3")
    async with HostileDevice(proxy(heater.handle, markup_reply)).running() as device:

        async def connect(found: Any) -> HeaterClient:
            return tcp_client(found.host, found.port, timeout_s=TIMEOUT_S)

        def discover() -> Any:
            return browse(mdns=False, hosts=[f"{device.host}:{device.port}"], timeout_s=1.0)

        app = NanoheaterApp(
            Settings(),
            connect=connect,
            discover=discover,
            config_file=tmp_path / "config.toml",
            poll_interval_s=3600.0,
            control_interval_s=3600.0,
        )
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            entry = next(iter(app.fleet))
            assert entry.status is not None
            assert MARKUP[:20] in entry.status.info.product
            await app.push_screen(DeviceScreen(entry.key))
            await settle(pilot)
            arm_fault(heater, "calibrating")  # the refusal quotes the device's Msg
            app.run_command(entry.key, "set mode Night", lambda c: c.set_mode("Night"))
            await settle(pilot)
            await pilot.pause(0.05)
            assert app.is_running
            refusals = [e for e in app.events if "refused" in e.text]
            assert refusals
            assert "[@click=app.quit]" in refusals[0].text  # kept as text, not interpreted
            screen = app.export_screenshot()
            notifications: list[Notification] = list(app._notifications)
        assert notifications
        for notification in notifications:
            if notification.markup:  # a toast renders its message with Content.from_markup
                Content.from_markup(notification.message)  # '[/]' raises MarkupError here
        assert "evil.invalid" in screen  # the link target is visible text, not a hidden link


@pytest.mark.mdns
async def test_hostile_mdns_advertisement_is_listed_clean() -> None:
    """Pins: a real multicast advertisement with escapes in its name and TXT is listed clean."""
    import socket

    from zeroconf import ServiceInfo
    from zeroconf.asyncio import AsyncZeroconf

    from nanoheater.const import MDNS_SERVICE_TYPE

    poison = ESCAPES.replace("\x00", "") + "\udcff"
    info = ServiceInfo(
        MDNS_SERVICE_TYPE,
        f"Avalon [/] Q\u202e3053.{MDNS_SERVICE_TYPE}",  # zeroconf refuses C0 in names
        addresses=[socket.inet_aton("127.0.0.1")],
        port=4028,
        properties={
            b"model": ("q" + poison).encode("utf-8", "surrogateescape"),
            b"mac": b"e0:e1:a9:3f:30:53\x1b[31m",
            b"dna": b"\xff\xfe" * 100,
            b"firmware": ("25021401" + poison).encode("utf-8", "surrogateescape"),
        },
        server="hostile.local.",
    )
    advertiser = AsyncZeroconf(interfaces=["127.0.0.1"])
    browser = AsyncZeroconf(interfaces=["127.0.0.1"])
    try:
        await advertiser.async_register_service(info)
        found = [h async for h in browse(zeroconf=browser, timeout_s=2.0)]
    finally:
        await advertiser.async_unregister_all_services()
        await advertiser.async_close()
        await browser.async_close()
    assert len(found) == 1
    heater = found[0]
    for text in strings_in(heater.model_dump(mode="json")):
        assert is_clean(text), text
        assert "\u202e" not in text
    assert heater.model is None
    assert heater.dna is None
    assert heater.name.startswith("Avalon")
