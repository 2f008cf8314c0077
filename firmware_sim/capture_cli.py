"""Provides ``firmware-sim replay`` and ``firmware-sim diff``: field captures served and compared.

``replay FILE...`` serves each capture (``nanoheater capture`` fixture) as a device on its own
loopback address, answering as the captured unit did (``replay.py``). ``diff FILE`` runs the
simulated model in the captured mode and lists every field that differs (``fidelity.py``).
Bad input is one ``firmware-sim: error: ...`` line and exit 2 (click.UsageError, turned into that
line by ``cli.main``); a listener that cannot bind exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

import click

from firmware_sim.fidelity import KINDS, Difference, diff_fixture
from firmware_sim.fleet import plan_endpoints
from firmware_sim.replay import ReplayDevice, load_fixture
from firmware_sim.server import API_PORT, LOOPBACK, SimServer, is_loopback


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--address", default=LOOPBACK, show_default=True, help="First device's address.")
@click.option(
    "--port", type=int, default=API_PORT, show_default=True, help="API port (0: a free port)."
)
@click.option(
    "--layout",
    type=click.Choice(["addresses", "ports"]),
    default="addresses",
    show_default=True,
    help="Consecutive addresses at one port, or consecutive ports.",
)
@click.option("--expose", is_flag=True, help="Allow addresses beyond loopback.")
def replay(files: tuple[str, ...], address: str, port: int, layout: str, expose: bool) -> None:
    """Serve captured devices (nanoheater capture files) as they answered; writes are refused."""
    try:
        fixtures = [load_fixture(path) for path in files]
        endpoints = plan_endpoints(
            len(fixtures), address, port, "ports" if layout == "ports" else "addresses"
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    outside = [h for h, _ in endpoints if not is_loopback(h)]
    if outside and not expose:
        raise click.UsageError(f"{outside[0]} is outside 127.0.0.0/8; pass --expose to use it")
    devices = [
        ReplayDevice(fx, label=f"{fx.model or 'unknown'}-{i}") for i, fx in enumerate(fixtures)
    ]
    try:
        asyncio.run(_serve(devices, endpoints, files))
    except OSError as err:
        raise click.ClickException(f"cannot listen: {err.strerror or err}") from None
    except KeyboardInterrupt:
        pass


async def _serve(
    devices: list[ReplayDevice], endpoints: list[tuple[str, int]], files: tuple[str, ...]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    servers = [SimServer(d, host=h, port=p) for d, (h, p) in zip(devices, endpoints, strict=True)]
    async with contextlib.AsyncExitStack() as stack:
        for server in servers:
            await stack.enter_async_context(server)
        for device, server, path in zip(devices, servers, files, strict=True):
            fx = device.fixture
            what = _printable(f"{fx.product or '?'} {fx.firmware or '?'}  ({path})")
            click.echo(f"{device.label:<10} {server.host}:{server.port}  {what}")
        click.echo("replaying; Ctrl+C to stop")
        sys.stdout.flush()
        await stop.wait()


@click.command()
@click.argument("file", metavar="FILE")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Only these kinds of difference (repeatable; default all).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per difference.")
def diff(file: str, kinds: tuple[str, ...], as_json: bool) -> None:
    """List every field where the simulated model differs from a capture (run in its mode)."""
    try:
        found = diff_fixture(load_fixture(file))
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    shown = [d for d in found if not kinds or d.kind in kinds]
    if as_json:
        for d in shown:
            click.echo(json.dumps(_as_dict(d), separators=(",", ":")))
        return
    for kind in KINDS:
        for d in (x for x in shown if x.kind == kind):
            click.echo(f"{kind:<7} {_cut(d.request, 44):<44} {d.field}: {_pair(d)}")
    counts = ", ".join(f"{sum(d.kind == k for d in found)} {k}" for k in KINDS)
    click.echo(f"{len(found)} differences: {counts}")


def _as_dict(d: Difference) -> dict[str, str | None]:
    """One difference as a JSON object."""
    return {
        "request": d.request,
        "field": d.field,
        "kind": d.kind,
        "capture": d.capture,
        "sim": d.sim,
        "capture_format": d.capture_format,
        "sim_format": d.sim_format,
    }


def _pair(d: Difference) -> str:
    capture, sim = _cut(d.capture, 40), _cut(d.sim, 40)
    if d.kind == "format":
        return f"capture {capture} ({d.capture_format}) | sim {sim} ({d.sim_format})"
    return f"capture {capture} | sim {sim}"


def _cut(text: str | None, width: int) -> str | None:
    if text is None:
        return None
    text = _printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _printable(text: str) -> str:
    """Captured text as safe terminal output: control characters and non-ASCII escaped."""
    return "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode() for c in text)


__all__ = ["diff", "replay"]
