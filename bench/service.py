"""Benchmark: ``nanoheater serve`` regulating 200 simulated devices in 20 zones.

Usage: ``python bench/service.py [--devices 200] [--zones 20] [--windows 5] [--window-s 30]``.
The script re-runs itself in a private loopback-only namespace, starts ``firmware-sim serve``
with the devices (models 1:1:1:1 on 127.0.0.2 and up, port 4028) in one child process and
``nanoheater serve --no-mdns --poll 5`` in another, with a config listing every device and
``--zones`` zones of equal size, and a fresh data folder (so every reading is written to the
history, with its ledger). Every zone gets a 21 C set-point through the API. After a warm-up
of one window, it measures the service process alone, window by window: CPU seconds
(``/proc/<pid>/stat``) over the window as a percentage of one core, and the resident set
(``VmRSS``) at the window's end. Then the API: ``--requests`` sequential ``GET
/api/v1/devices`` per window, timed in this process, p50 and p95.

Targets (issue 16): at most 5 % of one core and at most 150 MB RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from harness import ensure_namespace, percentile, print_header, spread, verdict
from served import arguments, cpu_window_pct, running_serve, serve_env, simulated_home

CPU_TARGET_PCT = 5.0
RSS_TARGET_MB = 150.0


def rss_mb(pid: int) -> float:
    """Resident set of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def api_latency_ms(api: str, requests: int) -> list[float]:
    from nanoheater.service.remote import RemoteHome

    times: list[float] = []
    async with RemoteHome(api) as home:
        for _ in range(requests):
            start = time.perf_counter()
            listed = await home.devices()
            times.append((time.perf_counter() - start) * 1000)
            assert len(listed) > 0
    return sorted(times)


async def main(args: argparse.Namespace) -> int:
    api = "127.0.0.1:18128"
    with simulated_home(args.devices, args.zones, "nh-bench-service-") as (folder, devices):
        print_header(
            f"nanoheater serve: {devices} devices, {args.zones} zones, poll 5 s,"
            f" control 30 s, history on",
            args.windows,
        )
        async with running_serve(api, serve_env(folder), args.zones) as serve:
            print(f"warm-up  {args.window_s:.0f} s")
            await asyncio.sleep(args.window_s)
            cpu_pct: list[float] = []
            rss: list[float] = []
            p50: list[float] = []
            p95: list[float] = []
            for _ in range(args.windows):
                cpu_pct.append(await cpu_window_pct(serve.pid, args.window_s))
                rss.append(rss_mb(serve.pid))
                latencies = await api_latency_ms(api, args.requests)
                p50.append(percentile(latencies, 0.50))
                p95.append(percentile(latencies, 0.95))
    print(f"cpu      {spread(cpu_pct, '{:.2f}', ' % of one core')}  target <= {CPU_TARGET_PCT}"
          f" % {verdict(max(cpu_pct) <= CPU_TARGET_PCT)}")  # fmt: skip
    print(f"rss      {spread(rss, '{:.1f}', ' MB')}  target <= {RSS_TARGET_MB:.0f} MB"
          f" {verdict(max(rss) <= RSS_TARGET_MB)}")  # fmt: skip
    print(f"api      GET /api/v1/devices ({args.requests} sequential per window):")
    print(f"         p50 {spread(p50, '{:.1f}', ' ms')}, p95 {spread(p95, '{:.1f}', ' ms')}")
    return 0 if max(cpu_pct) <= CPU_TARGET_PCT and max(rss) <= RSS_TARGET_MB else 1


if __name__ == "__main__":
    parser = arguments(__doc__)
    parser.add_argument("--requests", type=int, default=50)
    ns = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    sys.exit(asyncio.run(main(ns)))
