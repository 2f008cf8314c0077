"""Provides what the service benchmarks share: a simulated fleet in zones and ``serve`` over it.

``bench/service.py`` and ``bench/mqtt_bridge.py`` both run ``nanoheater serve --no-mdns --poll 5``
over ``firmware-sim serve`` devices (models 1:1:1:1 on 127.0.0.2 and up, port 4028), with a
config listing every device in zones of equal size and a 21 C set-point on every zone, and
measure the service process's CPU window by window. Call ``harness.ensure_namespace`` first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

from harness import ROOT, cpu_seconds, start_fleet

MODELS = ("nano3s", "mini3", "q", "nano3")
SETPOINT_C = 21.0


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options both service benchmarks take: fleet size, zones, windows."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--zones", type=int, default=20)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-s", type=float, default=30.0)
    return parser


def write_config(folder: Path, devices: int, zones: int) -> list[str]:
    """config.toml with every device and ``zones`` zones (``room-00`` ...); returns the hosts."""
    hosts = [f"127.0.{(2 + i) // 256}.{(2 + i) % 256}:4028" for i in range(devices)]
    lines = ["hosts = [" + ", ".join(f'"{h}"' for h in hosts) + "]", "", "[zones]"]
    size = devices // zones
    for z in range(zones):
        members = hosts[z * size : (z + 1) * size] if z < zones - 1 else hosts[z * size :]
        lines.append(f'"room-{z:02d}" = [' + ", ".join(f'"{h}"' for h in members) + "]")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text("\n".join(lines) + "\n")
    return hosts


@contextlib.contextmanager
def simulated_home(devices: int, zones: int, prefix: str) -> Iterator[tuple[Path, int]]:
    """A running fleet of about ``devices`` (a multiple of the models) and its config.

    Yields (a fresh folder with ``config/config.toml``, the number of devices); the fleet stops
    on exit.
    """
    per_model = devices // len(MODELS)
    fleet_args = ["serve", "--address", "127.0.0.2", "--port", "4028"]
    for model in MODELS:
        fleet_args += ["--model", f"{model}:{per_model}"]
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    write_config(folder / "config", per_model * len(MODELS), zones)
    fleet = start_fleet(fleet_args)
    try:
        yield folder, per_model * len(MODELS)
    finally:
        fleet.terminate()
        fleet.wait(30)


def serve_env(folder: Path, data: str = "data") -> dict[str, str]:
    """The environment of a ``serve`` over ``simulated_home``'s config, its data in ``data``."""
    return {
        **os.environ,
        "NANOHEATER_CONFIG_DIR": str(folder / "config"),
        "NANOHEATER_DATA_DIR": str(folder / data),
    }


async def wait_ready(api: str, proc: subprocess.Popen[str]) -> None:
    """Wait until the service at ``api`` has its first reading (it must not exit meanwhile)."""
    from nanoheater.service.remote import RemoteHome, ServiceUnavailable

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"serve exited {proc.returncode}")
        try:
            async with RemoteHome(api) as home:
                if (await home.health())["ready"]:
                    return
        except ServiceUnavailable:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit("serve never became ready")


async def set_targets(api: str, zones: int) -> None:
    """A 21 C set-point on every zone, through the API."""
    from nanoheater.service.remote import RemoteHome

    async with RemoteHome(api) as home:
        for z in range(zones):
            await home.set_target(f"room-{z:02d}", {"setpoint_c": SETPOINT_C})


@contextlib.asynccontextmanager
async def running_serve(
    api: str, env: dict[str, str], zones: int, extra: Sequence[str] = ()
) -> AsyncIterator[subprocess.Popen[str]]:
    """``nanoheater serve`` on ``api``, ready and with every zone's set-point; stopped on exit."""
    serve = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
        [sys.executable, "-m", "nanoheater", "serve", "--no-mdns", "--poll", "5", "--api", api,
         *extra],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        started = time.monotonic()
        await wait_ready(api, serve)
        await set_targets(api, zones)
        print(f"ready    after {time.monotonic() - started:.1f} s")
        yield serve
    finally:
        serve.terminate()
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()


async def cpu_window_pct(pid: int, window_s: float) -> float:
    """CPU time of ``pid`` over the next ``window_s`` seconds, as a percentage of one core."""
    before, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(window_s)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - t0)
