"""Benchmark: CPU cost of a 200-device simulated fleet answering 200 status polls a second.

Target (issue 9): the simulator process uses at most a quarter of one core.

Two processes, as in real use: ``firmware-sim serve`` runs the fleet (200 devices on
127.0.0.2 .. 127.0.0.201, a free port each), and a separate client process polls them round
robin at a fixed rate with nanoheater's status request (``version+summary+estats+pools``, one
connection per poll). The simulator's CPU time (user + system, from /proc) is measured over the
polling window only.

    python bench/sim_fleet.py [--devices 200] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

STATUS = b'{"command":"version+summary+estats+pools"}'
MODELS = ("nano3s", "mini3", "q", "nano3")


def cpu_seconds(pid: int) -> float:
    """Return user + system CPU seconds of process ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


async def poll_one(host: str, port: int) -> float | None:
    """One status poll; return its latency in seconds, or None if it failed."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(STATUS)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    except (OSError, TimeoutError):
        return None
    return time.perf_counter() - start if data.endswith(b"\x00") else None


async def client(targets: list[tuple[str, int]], rate: float, seconds: float) -> dict[str, float]:
    """Poll ``targets`` round robin at ``rate`` per second for ``seconds``; return figures."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    total = int(rate * seconds)
    for i in range(total):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        host, port = targets[i % len(targets)]
        tasks.append(asyncio.create_task(poll_one(host, port)))
    results = await asyncio.gather(*tasks)
    wall = loop.time() - start
    ok = sorted(r for r in results if r is not None)
    return {
        "polls": total,
        "ok": len(ok),
        "wall_s": wall,
        "p50_ms": ok[len(ok) // 2] * 1000 if ok else float("nan"),
        "p99_ms": ok[int(len(ok) * 0.99)] * 1000 if ok else float("nan"),
    }


def run_client() -> None:
    """Client-process entry: targets and settings as JSON on stdin, figures as JSON on stdout."""
    job = json.loads(sys.stdin.read())
    targets = [(h, int(p)) for h, p in job["targets"]]
    print(json.dumps(asyncio.run(client(targets, job["rate"], job["seconds"]))))


def main() -> None:
    """Start the fleet, run the polling client, print the simulator's CPU share."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200.0, help="polls per second in total")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        run_client()
        return
    per_model = args.devices // len(MODELS)
    models = [f"{m}:{per_model}" for m in MODELS]
    extra = args.devices - per_model * len(MODELS)
    if extra:
        models.append(f"nano3s:{extra}")
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--address", "127.0.0.2", "--port", "0"]
    argv += ["--control-port", "0", "--seed", "1"]
    for spec in models:
        argv += ["--model", spec]
    sim = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert sim.stdout is not None
    targets: list[tuple[str, int]] = []
    for line in sim.stdout:
        if line.startswith("serving"):
            break
        if not line.startswith(("control", "mdns")):
            host, port = line.split()[1].rsplit(":", 1)
            targets.append((host, int(port)))
    try:
        time.sleep(2.0)  # let start-up work settle before the window opens
        cpu_before, wall_before = cpu_seconds(sim.pid), time.monotonic()
        job = json.dumps({"targets": targets, "rate": args.rate, "seconds": args.seconds})
        done = subprocess.run(
            [sys.executable, __file__, "--client"],
            input=job,
            capture_output=True,
            text=True,
            check=True,
        )
        cpu = cpu_seconds(sim.pid) - cpu_before
        wall = time.monotonic() - wall_before
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    figures = json.loads(done.stdout)
    share = cpu / wall
    print(f"devices            {len(targets)}")
    print(
        f"polls              {figures['ok']}/{figures['polls']} ok in {figures['wall_s']:.1f} s "
        f"({figures['ok'] / figures['wall_s']:.0f}/s)"
    )
    print(f"poll latency       p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms")
    print(
        f"simulator CPU      {cpu:.2f} s over {wall:.1f} s = {share:.1%} of one core "
        f"(target <= 25%: {'PASS' if share <= 0.25 else 'FAIL'})"
    )


if __name__ == "__main__":
    main()
