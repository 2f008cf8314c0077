"""Benchmark: the Home Assistant bridge publishing 200 devices every 5 s, on top of the service.

Usage: ``python bench/mqtt_bridge.py [--devices 200] [--zones 20] [--windows 5] [--window-s 30]``.
The script re-runs itself in a private loopback-only namespace, starts ``firmware-sim serve``
with the devices (models 1:1:1:1 on 127.0.0.2 and up) and a Mosquitto broker on 127.0.0.1, then
runs ``nanoheater serve --no-mdns --poll 5`` twice over the same fleet and config (the zones and
21 C set-points of ``bench/served.py``): first without the bridge, then with ``--mqtt`` (publish
interval 5 s). For each run, after a warm-up window, it measures the service process alone over
``--windows`` windows: CPU seconds (``/proc/<pid>/stat``) as a percentage of one core. The
bridge's cost is the difference of the medians. A subscriber in this process counts the device
state messages the bridge publishes per window, to show every device is published every 5 s.

Target (issue 17): the bridge at most 3 % of one core on top of the service.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

from harness import ROOT, ensure_namespace, print_header, spread, verdict
from served import arguments, cpu_window_pct, running_serve, serve_env, simulated_home

BRIDGE_TARGET_PCT = 3.0


class StateCounter:
    """Counts device state messages on the broker (a subscriber in this process)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.count = 0
        self.devices: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        import aiomqtt

        async with aiomqtt.Client(self.host, self.port, identifier="bench-counter") as client:
            await client.subscribe("nanoheater/device/+/state")
            async for message in client.messages:
                if not message.retain:
                    self.count += 1
                    self.devices.add(message.topic.value.split("/")[2])

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)


async def measure(
    args: argparse.Namespace, folder: Path, name: str, extra: list[str], counter: StateCounter
) -> tuple[list[float], list[int]]:
    """CPU % of one core per window (and state messages per window) for one serve run."""
    env = serve_env(folder, f"data-{name}")
    async with running_serve("127.0.0.1:18129", env, args.zones, extra) as serve:
        label = "with bridge" if extra else "no bridge"
        print(f"{label:<12} warm-up {args.window_s:.0f} s")
        await asyncio.sleep(args.window_s)
        cpu_pct: list[float] = []
        messages: list[int] = []
        for _ in range(args.windows):
            seen = counter.count
            cpu_pct.append(await cpu_window_pct(serve.pid, args.window_s))
            messages.append(counter.count - seen)
        return cpu_pct, messages


async def main(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.mosquitto import Broker, mosquitto_binary

    binary = mosquitto_binary()
    if binary is None:
        raise SystemExit("mosquitto is not installed (.ci/run installs it)")
    with simulated_home(args.devices, args.zones, "nh-bench-mqtt-") as (folder, devices):
        (folder / "mosquitto").mkdir()
        broker = Broker(binary, folder / "mosquitto")
        print_header(
            f"MQTT bridge: {devices} devices, {args.zones} zones, poll 5 s, publish every 5 s,"
            " on top of nanoheater serve",
            args.windows,
        )
        broker.start()
        counter = StateCounter(broker.host, broker.port)
        counter.start()
        try:
            base = (await measure(args, folder, "base", [], counter))[0]
            bridge, per_window = await measure(
                args, folder, "bridge", ["--mqtt", broker.url], counter
            )
        finally:
            await counter.stop()
            broker.stop()
    cost = statistics.median(bridge) - statistics.median(base)
    expected = devices * args.window_s / 5
    print(f"service  without bridge {spread(base, '{:.2f}', ' % of one core')}")
    print(f"service  with bridge    {spread(bridge, '{:.2f}', ' % of one core')}")
    print(f"bridge   {cost:.2f} % of one core (difference of the medians)  target <="
          f" {BRIDGE_TARGET_PCT} % {verdict(cost <= BRIDGE_TARGET_PCT)}")  # fmt: skip
    print(f"messages {spread([float(m) for m in per_window], '{:.0f}')} device states per"
          f" {args.window_s:.0f} s window (every device every 5 s: {expected:.0f});"
          f" {len(counter.devices)} devices seen")  # fmt: skip
    return 0 if cost <= BRIDGE_TARGET_PCT else 1


if __name__ == "__main__":
    parser = arguments(__doc__)
    ns = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    sys.exit(asyncio.run(main(ns)))
