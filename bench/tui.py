"""Benchmark: the TUI with 20 simulated devices: first frame, key-to-repaint while polling, memory.

Usage: ``python bench/tui.py [--presses 60] [--screenshot assets/screenshot.svg]``. The script
re-runs itself inside a private network namespace (loopback only, as tests/netns.py does),
starts ``firmware-sim serve`` with 20 devices (8 nano3s, 4 nano3, 4 mini3, 4 q) on
127.0.0.2 .. 127.0.0.21:4028 at 60x speed in its own process (so the simulator's CPU and memory
are not the TUI's), then starts a fresh Python process for the TUI, headless, which measures:

- **first frame**: from the moment the TUI process is spawned (interpreter start and imports
  included) to the first composed fleet screen with its 20 rows; and to the first frame in which
  all 20 rows show a reading. Target: first frame under 1 s.
- **key to repaint**: with every device polled at 1 Hz, the time from a key event entering the
  app (sent through the driver, as a terminal's would be) to the first frame composed after the
  key took effect (cursor down/up in the fleet table; Enter into the device screen with its
  charts, Escape back; the first Enter, which builds the device screen, is reported on its
  own). Presses are spread over the polling, 0.2 s apart. Target: under 100 ms.
- **resident memory**: the TUI process's peak RSS (``ru_maxrss``) after the run. Target: under
  150 MB.

Headless means Textual renders every frame but writes it to no terminal; terminal output time
is not included. With ``--screenshot FILE`` it then heats an Avalon Q to 22 C for another half
minute and saves an SVG of its device screen (100x30) for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

from harness import ROOT, ensure_namespace, start_fleet

DEVICES = 20
FIRST = 2  # 127.0.0.2
FLEET_ARGS = [
    "serve",
    *("--model", "nano3s:8", "--model", "nano3:4", "--model", "mini3:4", "--model", "q:4"),
    *("--address", f"127.0.0.{FIRST}", "--port", "4028", "--control-port", "0"),
    *("--speed", "60", "--seed", "0"),
]
SPAWNED_AT = "NANOHEATER_BENCH_SPAWNED_AT"


def _at_row(table: object, row: int) -> bool:
    return getattr(table, "cursor_row", None) == row


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def child(presses: int, screenshot: str | None) -> dict[str, Any]:
    """The TUI process: build the app on the 20 devices, run it headless, measure."""
    from rich.console import RenderableType
    from textual import events
    from textual.screen import Screen

    from nanoheater.client import HeaterClient
    from nanoheater.config import Settings
    from nanoheater.models import DiscoveredHeater
    from nanoheater.tui.app import NanoheaterApp
    from nanoheater.tui.screens.device import DeviceScreen
    from nanoheater.tui.screens.fleet import FleetScreen
    from nanoheater.tui.widgets.fleet_table import FleetTable

    spawned = float(os.environ[SPAWNED_AT])
    hosts = [DiscoveredHeater(name="", host=f"127.0.0.{FIRST + i}") for i in range(DEVICES)]

    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return await HeaterClient.connect_tcp(heater.host, heater.port)

    async def no_discovery() -> AsyncIterator[DiscoveredHeater]:
        nothing: tuple[DiscoveredHeater, ...] = ()  # the hosts are configured
        for heater in nothing:
            yield heater

    app = NanoheaterApp(
        Settings(),
        connect=connect,
        discover=no_discovery,
        hosts=hosts,
        config_file=Path("/nonexistent/config.toml"),
        poll_interval_s=1.0,
        scan_on_start=False,
    )
    result: dict[str, Any] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(FleetTable)
        assert table.row_count == DEVICES
        result["first_frame_s"] = time.time() - spawned
        while not all(e.online for e in app.fleet):
            await pilot.pause(0.01)
        result["all_readings_s"] = time.time() - spawned
        table.focus()
        await pilot.pause()
        frames: list[float] = []
        display = app._display

        def timed_display(screen: Screen[Any], renderable: RenderableType | None) -> None:
            display(screen, renderable)
            if renderable is not None:
                frames.append(time.perf_counter())

        app._display = timed_display  # type: ignore[method-assign]

        async def key_to_frame(key: str, handled: Callable[[], bool]) -> float:
            """Send one key as the terminal would; return seconds until the frame showing it."""
            start, cpu = time.perf_counter(), time.process_time()
            assert app._driver is not None
            app._driver.send_message(events.Key(key, None))
            # Polling on purpose (not an Event): the probe must not change what the app does.
            while not handled():  # noqa: ASYNC110
                await asyncio.sleep(0.0005)
            seen = time.perf_counter()
            while not frames or frames[-1] < seen:  # noqa: ASYNC110
                await asyncio.sleep(0.0005)
            cpu_ms.append((time.process_time() - cpu) * 1000)
            return frames[-1] - start

        down: list[float] = []
        into_out: list[float] = []
        cpu_ms: list[float] = []
        for n in range(presses):
            row = table.cursor_row
            key, target = ("down", row + 1) if row == 0 or n % 2 == 0 else ("up", row - 1)
            down.append(await key_to_frame(key, partial(_at_row, table, target)))
            await asyncio.sleep(0.2)
        first_open = 0.0
        for n in range(max(6, presses // 5)):
            into = await key_to_frame("enter", lambda: isinstance(app.screen, DeviceScreen))
            await asyncio.sleep(0.2)
            back = await key_to_frame("escape", lambda: isinstance(app.screen, FleetScreen))
            if n == 0:
                first_open = into  # the screen is built on first use, then kept
                into_out.append(back)
            else:
                into_out += [into, back]
            await asyncio.sleep(0.2)
        result["key_first_open_ms"] = round(first_open * 1000, 1)
        result["key_cpu_ms"] = [round(x, 1) for x in cpu_ms]
        result["polls_seen"] = sum(len(e.history["power_w"]) for e in app.fleet)
        result["key_down_ms"] = [round(x * 1000, 1) for x in down]
        result["key_screen_ms"] = [round(x * 1000, 1) for x in into_out]
        if screenshot:
            # An Avalon Q heating to 22 C under the controller, after half a minute (half an hour
            # of simulated time) more of charts.
            q = next(e.key for e in app.fleet if e.status and e.status.info.model == "q")
            app.open_device(q)
            await pilot.pause()
            await pilot.press("plus", "plus", "t")
            await asyncio.sleep(30)
            await pilot.pause()
            app.save_screenshot(screenshot)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def report(result: dict[str, Any]) -> None:
    down = [float(x) for x in result["key_down_ms"]]
    screen = [float(x) for x in result["key_screen_ms"]]
    print(f"devices: {DEVICES}, polled at 1 Hz; readings during the run: {result['polls_seen']}")
    print(f"start to first frame:            {result['first_frame_s']:.3f} s  (target < 1 s)")
    print(f"start to all 20 readings shown:  {result['all_readings_s']:.3f} s")
    for name, values in (("cursor down/up", down), ("open/close device screen", screen)):
        print(
            f"key to repaint, {name:25s} median {statistics.median(values):6.1f} ms, "
            f"p95 {percentile(values, 0.95):6.1f} ms, max {max(values):6.1f} ms "
            f"(n={len(values)}, target < 100 ms)"
        )
    cpu = [float(x) for x in result["key_cpu_ms"]]
    print(
        f"  CPU time of this process per key (all keys): median {statistics.median(cpu):.1f} ms, "
        f"p95 {percentile(cpu, 0.95):.1f} ms, max {max(cpu):.1f} ms"
    )
    first_open = result["key_first_open_ms"]
    print(f"key to repaint, first open of a device screen (builds it): {first_open} ms")
    print(f"peak RSS of the TUI process:     {result['rss_mb']:.1f} MB  (target < 150 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--screenshot", default=None, help="save an SVG of a device screen")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every sample")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.presses, args.screenshot))))
        return
    ensure_namespace(__file__, sys.argv[1:])
    fleet = start_fleet(FLEET_ARGS)
    try:
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--presses",
            str(args.presses),
        ]
        if args.screenshot:
            argv += ["--screenshot", str(Path(args.screenshot).resolve())]
        env = dict(os.environ, **{SPAWNED_AT: repr(time.time())})
        out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"TUI process failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        report(result)
        if args.verbose:
            print(result)
    finally:
        fleet.terminate()
        fleet.wait(timeout=10)


if __name__ == "__main__":
    main()
