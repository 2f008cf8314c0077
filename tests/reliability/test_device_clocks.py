"""Time is an input: a device clock in the far future or past must not crash, blind or age.

Issue 14: a ``When`` past year 9999 crashed the TUI's ledger (``fromtimestamp`` overflow),
``watch`` printed a traceback for a huge or negative ``When``, and one device whose clock ran two
years ahead made the history's compaction delete every event and fold every other device's raw
samples. Device clocks outside 2000..2100 are now absent, and compaction runs on the local clock.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from firmware_sim.faults import arm_fault
from firmware_sim.server import SimServer
from nanoheater.const import DEVICE_CLOCK_RANGE_S
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.history import HistoryStore
from nanoheater.history.records import DeviceEvent, Sample, StoredDecision
from nanoheater.protocol.codec import decode_reply, reply_status
from tests.reliability.hostile import HostileDevice, proxy
from tests.reliability.rigs import make_heater

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC).timestamp()
TWO_YEARS_S = 2 * 365 * 86_400
MARKET = offline_market(MarketSettings(pool_fee=0.0), None)
FLAT = Tariff(price_fiat_per_kwh=0.17)


def _status_with_when(when: str) -> bytes:
    return b'{"STATUS":[{"STATUS":"S","When":' + when.encode() + b',"Code":11,"Msg":"x"}],"id":1}'


@pytest.mark.parametrize(
    "when",
    [
        "-5",
        "0",
        "253402300800",
        "1e20",
        "1" + "0" * 400,
        "nan",
        "inf",
        "-inf",
        "true",
        '"1765004019"',
    ],
)
def test_an_implausible_device_clock_is_absent(when: str) -> None:
    """Pins: negative, zero, past-9999, huge, non-finite or non-numeric ``When`` is None."""
    assert reply_status(decode_reply(_status_with_when(when))).when is None


def test_a_plausible_device_clock_is_kept_even_years_off() -> None:
    """Pins: a clock two years ahead is still a clock (the history must cope, not the codec)."""
    ahead = NOW + TWO_YEARS_S
    assert DEVICE_CLOCK_RANGE_S[0] <= ahead < DEVICE_CLOCK_RANGE_S[1]
    assert reply_status(decode_reply(_status_with_when(repr(ahead)))).when == ahead


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(tmp_path / "history.sqlite3") as opened:
        opened.clock = lambda: NOW
        yield opened


def _sample(device: str, ts_s: float) -> Sample:
    return Sample(device=device, ts_s=ts_s, power_w=140.0, hashrate_ths=6.0)


def test_a_future_device_clock_does_not_age_another_devices_history(store: HistoryStore) -> None:
    """Pins: samples of a device two years ahead leave the honest device's rows untouched."""
    for i in range(10):
        store.record(_sample("honest", NOW - 600 + 60 * i), market=MARKET, tariff=FLAT)
    store.add_decision(StoredDecision(NOW - 300, "honest", "High", "cold"))
    store.add_event(DeviceEvent(NOW - 200, "honest", "online", "back online"))
    for i in range(10):  # each record may trigger compaction: it must use NOW, not 2028
        store.record(_sample("ahead", NOW + TWO_YEARS_S + 60 * i), market=MARKET, tariff=FLAT)
    honest = store.samples_since("honest", 0)
    assert len(honest) == 10
    assert all(s.resolution_s == 0 for s in honest)  # still raw: nothing was folded
    assert store.events_since(0.0)
    assert store.compact(NOW).events_dropped == 0


def _clock_at(reply: bytes, when: int) -> bytes:
    return re.sub(rb'"When":\s*\d+', b'"When":' + str(when).encode(), reply)


@pytest.mark.parametrize("when", [10**20, -(10**12), 253402300800])
async def test_status_and_watch_survive_a_wild_device_clock(when: int) -> None:
    """Pins: a simulated device whose every reply says When=<wild> gives a reading, no traceback."""
    heater, _ = make_heater("nano3s")
    device = HostileDevice(proxy(heater.handle, lambda reply: _clock_at(reply, when)))
    async with device.running():
        target = f"127.0.0.1:{device.port}"
        for command in (("status", target), ("watch", target, "--count", "2", "--interval", "0.1")):
            result = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "nanoheater", *command, "--timeout", "2"],
                capture_output=True,
                timeout=60,
            )
            assert b"Traceback" not in result.stderr, result.stderr
            assert result.returncode == 0, result.stderr
            assert b"mining" in result.stdout  # a reading was printed


async def test_watch_stamps_a_reading_when_it_arrives_not_on_the_device_clock() -> None:
    """Pins: ``watch`` on a simulated device five hours behind prints this machine's time."""
    heater, _ = make_heater("nano3s")
    arm_fault(heater, "clock-skew", offset_s=-5 * 3600.0)
    async with SimServer(heater) as served:
        before = time.time()
        target = f"{served.host}:{served.port}"
        options = ("--count", "2", "--interval", "0.1", "--timeout", "2")
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "nanoheater", "watch", target, *options],
            capture_output=True,
            timeout=60,
        )
        after = time.time()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2, lines
    for line in lines:
        printed = time.strptime(line.split()[0], "%H:%M:%S")
        seconds = printed.tm_hour * 3600 + printed.tm_min * 60 + printed.tm_sec
        allowed = {_time_of_day(t) for t in range(int(before), int(after) + 2)}
        assert seconds in allowed, f"{line!r} is not the time it arrived"


def _time_of_day(epoch_s: float) -> int:
    local = time.localtime(epoch_s)
    return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec


def test_the_history_is_owner_only(tmp_path: Path) -> None:
    """Pins (issue 14): the database and its WAL files are 0600, the folder 0700 when made."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        folder = tmp_path / "data"
        with HistoryStore.open(folder / "history.sqlite3", clock=lambda: NOW) as history:
            history.record(_sample("a", NOW), market=MARKET, tariff=FLAT)
            files = [p for p in folder.iterdir() if p.name.startswith("history.sqlite3")]
            assert files
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
        assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    finally:
        os.umask(old)


def test_the_ui_log_is_owner_only_and_never_written_through_a_link(tmp_path: Path) -> None:
    """Pins (issue 14): the UI log is 0600 in a 0700 folder and never written through a link.

    The demo's log has a fixed name in the shared temporary folder: a link planted there is not
    followed; its target stays as it was and the records are dropped instead.
    """
    import logging
    import os
    import stat

    from nanoheater.cli.output import logs_to_file

    old = os.umask(0o022)
    try:
        log = tmp_path / "data" / "tui.log"
        with logs_to_file(log):
            logging.getLogger("nanoheater.test").warning("first record")
        assert "first record" in log.read_text()
        assert stat.S_IMODE(log.stat().st_mode) & 0o077 == 0
        assert stat.S_IMODE(log.parent.stat().st_mode) & 0o077 == 0
        log.chmod(0o644)  # as an older version created it
        with logs_to_file(log):
            logging.getLogger("nanoheater.test").warning("second record")
        assert stat.S_IMODE(log.stat().st_mode) & 0o077 == 0
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me\n")
        planted = tmp_path / "nanoheater-demo.log"
        planted.symlink_to(victim)
        with logs_to_file(planted):
            logging.getLogger("nanoheater.test").warning("must not land in the victim")
        assert victim.read_text() == "keep me\n"
    finally:
        os.umask(old)


async def test_a_tui_beside_a_running_service_does_not_write_its_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins (issue 14): the service owns the history; a TUI started beside it records nothing.

    Another process holds the data folder's lock as ``serve`` does (``DataDirLock.acquire``):
    the TUI's history is None and the notice names the holder.
    """
    import asyncio
    import sys

    from nanoheater.cli.tui import open_history
    from nanoheater.history import RetentionPolicy

    folder = tmp_path / "data"
    monkeypatch.setenv("NANOHEATER_DATA_DIR", str(folder))
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import sys, time; from pathlib import Path; from nanoheater.home.lock import DataDirLock;"
        f"DataDirLock(Path({str(folder)!r})).acquire('api 127.0.0.1:8128');"
        "print('held', flush=True); time.sleep(60)",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), timeout=30) == b"held\n"
        history, lock, why = await open_history(RetentionPolicy())
        assert (history, lock) == (None, None)
        assert why is not None
        assert "history not recorded" in why
        assert "8128" in why
    finally:
        holder.kill()
        await holder.wait()


async def test_a_second_tui_does_not_write_the_same_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins (issue 14): two embedded TUIs booked the ledger twice; the second now gets none."""
    from nanoheater.cli.tui import open_history
    from nanoheater.history import RetentionPolicy

    monkeypatch.setenv("NANOHEATER_DATA_DIR", str(tmp_path / "data"))
    first, lock, notice = await open_history(RetentionPolicy())
    try:
        assert first is not None
        assert lock is not None
        assert notice is None
        second, second_lock, why = await open_history(RetentionPolicy())
        assert (second, second_lock) == (None, None)
        assert why is not None
        assert "history not recorded" in why
    finally:
        if first is not None:
            await first.close()
        if lock is not None:
            lock.release()
    third, third_lock, _ = await open_history(RetentionPolicy())  # free again after the first
    assert third is not None
    assert third_lock is not None
    await third.close()
    third_lock.release()
