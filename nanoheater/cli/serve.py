"""Provides ``nanoheater serve``: the always-on home service (the Home plus its local API).

One process per data folder owns the heaters: it polls them, regulates every zone with a
target, keeps the history and the user's intents, and answers the API that the CLI, the TUI and
the bridges use. SIGTERM or SIGINT leaves regulated devices at the exit level and logs what was
done per device. Exit codes: 0 stopped cleanly, 2 usage (a bad flag, the data folder held by
another serve, a non-loopback --api without a token).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING

import click

from nanoheater.cli.output import run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.config import config_path, data_dir, load_settings
from nanoheater.controller.targets import check_exit_level
from nanoheater.home import DataDirLock, Home, HomeOptions
from nanoheater.service.address import TOKEN_ENV, find_api
from nanoheater.service.server import ApiServer
from nanoheater.service.systemd import journal_logging, notify

if TYPE_CHECKING:
    from nanoheater.bridges.runner import Bridges

log = logging.getLogger("nanoheater.serve")


@click.command()
@click.option("--host", "hosts", multiple=True, metavar="H[:P]", help="A device (repeatable).")
@click.option("--scan", "scan", multiple=True, metavar="CIDR", help="Probe a range (repeatable).")
@click.option("--no-mdns", is_flag=True, help="Do not browse mDNS for devices.")
@click.option(
    "--api", "api", metavar="HOST:PORT", help="Listen here (default: NANOHEATER_API, else config)."
)
@click.option(
    "--poll",
    "poll_s",
    type=FiniteFloat(min=0.1, max=3600),
    default=5.0,
    show_default=True,
    help="Seconds between device readings.",
)
@click.option(
    "--interval",
    "interval_s",
    type=FiniteFloat(min=0.1, max=3600),
    default=30.0,
    show_default=True,
    help="Seconds between control decisions.",
)
@click.option(
    "--rescan",
    "rescan_s",
    type=FiniteFloat(min=10),
    default=300.0,
    show_default=True,
    help="Seconds between discovery rescans (mDNS, --scan).",
)
@click.option(
    "--mqtt",
    "mqtt_url",
    metavar="mqtt[s]://[USER@]HOST[:PORT]",
    help="Publish to Home Assistant over this MQTT broker (default: [mqtt] url of the config); "
    "the password comes from NANOHEATER_MQTT_PASSWORD or [mqtt] password.",
)
@click.option(
    "--exit-level",
    default="lowest",
    show_default=True,
    help="Level regulated devices are left at on stop: lowest, off or a mode name.",
)
@click.pass_context
@run_async
async def serve(
    ctx: click.Context,
    hosts: tuple[str, ...],
    scan: tuple[str, ...],
    no_mdns: bool,
    api: str | None,
    poll_s: float,
    interval_s: float,
    rescan_s: float,
    exit_level: str,
    mqtt_url: str | None,
) -> None:
    """Run the home service: own the heaters, regulate zones, answer the local API.

    Devices come from the config's hosts, --host, mDNS and --scan. Stop it with SIGTERM or
    Ctrl-C: regulated devices are left at --exit-level.
    """
    check_exit_level(exit_level)  # a typo must stop us now, not at the exit after a winter
    parent = ctx.find_root().params.get("verbose", 0) if ctx.find_root() is not ctx else 0
    journal_logging(int(parent or 0))
    settings = load_settings().settings
    address = find_api(api)
    token = os.environ.get(TOKEN_ENV) or None
    folder = data_dir()
    options = HomeOptions(
        data_dir=folder,
        hosts=(*settings.hosts, *hosts),
        zones=settings.zones,
        config_file=config_path(),
        scan=scan,
        mdns=not no_mdns,
        poll_interval_s=poll_s,
        control_interval_s=interval_s,
        rescan_interval_s=rescan_s,
        exit_level=exit_level,
    )
    home = Home(options, settings)
    server = ApiServer(home, address, token)  # refuses a wide bind without a token, first
    # Imported here: aiomqtt and apprise cost every other command start-up time for nothing.
    from nanoheater.bridges.runner import Bridges

    bridges = Bridges(home, settings, mqtt_url=mqtt_url)  # a bad URL is exit 2 before the lock
    lock = DataDirLock(folder)
    lock.acquire(f"api {address}")
    try:
        await _run(home, server, bridges)
    finally:
        lock.release()


async def _run(home: Home, server: ApiServer, bridges: Bridges) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await home.start()
    started = False
    try:
        await server.start()
        started = True
        bound = server.bound or (server.host, server.port)
        log.info(
            "serving %d devices in %d zones; API http://%s:%d/api/v1",
            len(home.slots),
            len(home.zone_slots),
            *bound,
        )
        await bridges.start()
        log.info("bridges: %s", bridges.describe())
        ready = asyncio.create_task(_ready(home))
        await stop.wait()
        ready.cancel()
    finally:
        notify("STOPPING=1")
        log.info("stopping: leaving regulated devices at the exit level")
        await bridges.stop()
        if started:
            await server.stop()
        outcomes = await home.stop()
        if not outcomes:
            log.info("exit: no regulated devices; nothing changed")
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def _ready(home: Home) -> None:
    await home.ready.wait()
    notify("READY=1")
    log.info("ready: first device reading in")
