"""Provides ``nanoheater tui`` (also a bare ``nanoheater``): the TUI wired to real devices.

Devices come from the config file's hosts, ``--host`` options and discovery (mDNS unless
``--no-mdns``, plus an optional ``--scan`` CIDR probe). Readings go into the local history, which
the economics view reads. Textual is imported only here, inside the command, so the other
subcommands never pay for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import click

from nanoheater.address import DeviceAddress
from nanoheater.cli.output import handle_errors, logs_to_file, require_terminal
from nanoheater.cli.params import FiniteFloat
from nanoheater.exceptions import UsageError
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.protocol.sanitize import sanitize

if TYPE_CHECKING:
    from nanoheater.history import AsyncHistoryStore, RetentionPolicy
    from nanoheater.home.lock import DataDirLock

LOG_FILE = "tui.log"
"""Where the TUI's log records go (in the data folder) while it owns the terminal."""


@click.command()
@click.option(
    "--host", "hosts", multiple=True, metavar="H[:P]", help="Also show this device (repeatable)."
)
@click.option(
    "--scan",
    metavar="CIDR",
    default=None,
    help="Probe this range for devices, e.g. 192.168.1.0/24.",
)
@click.option("--no-mdns", is_flag=True, help="Do not browse mDNS (nothing is multicast).")
@click.option(
    "--poll",
    "poll_s",
    type=FiniteFloat(0.2, 60),
    default=1.0,
    show_default=True,
    help="Seconds between status polls of each device.",
)
@click.option(
    "--exit-level",
    default="lowest",
    show_default=True,
    help="On quit, devices under the controller are left here: lowest, off or a mode name.",
)
@click.option(
    "--api", "api", metavar="HOST:PORT", help="Attach to the service here (default: config)."
)
@click.option(
    "--embedded", is_flag=True, help="Run on the devices directly, even if a service runs."
)
@handle_errors
def tui(
    hosts: tuple[str, ...],
    scan: str | None,
    no_mdns: bool,
    poll_s: float,
    exit_level: str,
    api: str | None,
    embedded: bool,
) -> None:
    """Open the terminal companion on your devices.

    When a nanoheater serve answers (--api, NANOHEATER_API or the config), attach to it: its
    zones and targets, changed through it; quitting changes nothing. Else run embedded.
    """
    from nanoheater.controller.targets import check_exit_level

    check_exit_level(exit_level)  # a typo must stop us now, not surface only at quit
    initial_heaters(hosts)  # so is a bad --host
    require_terminal("the TUI")
    from nanoheater.service.address import find_api

    address = find_api(api)
    if not embedded and asyncio.run(_service_answers(address)):
        _attach(address)
        return
    from nanoheater.client import HeaterClient
    from nanoheater.config import data_dir, load_settings
    from nanoheater.discovery import browse
    from nanoheater.history import RetentionPolicy
    from nanoheater.tui.app import NanoheaterApp

    loaded = load_settings()
    settings = loaded.settings
    wanted = tuple(dict.fromkeys((*settings.hosts, *hosts)))
    initial = initial_heaters(wanted)

    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return await HeaterClient.connect_tcp(heater.host, heater.port)

    def discover() -> AsyncIterator[DiscoveredHeater]:
        return browse(mdns=not no_mdns, scan=scan or (), hosts=wanted)

    async def run() -> None:
        # The history lives on its own thread; open and close it around the app.
        history, lock, notice = await open_history(RetentionPolicy.from_settings(settings.history))
        app = NanoheaterApp(
            settings,
            connect=connect,
            discover=discover,
            hosts=initial,
            config_file=loaded.path,
            poll_interval_s=poll_s,
            live_market=settings.market.live,
            history=history,
            exit_level=exit_level,
        )
        for warning in (loaded.notice, notice):
            if warning:
                app.call_later(app.notify, warning, severity="warning")
        app.sub_title = f"embedded (no service at {address})"
        try:
            with logs_to_file(data_dir() / LOG_FILE):
                await app.run_async()
        finally:
            if history is not None:
                await history.close()
            if lock is not None:
                lock.release()
        # The screen is gone: say on the terminal what quitting left each device at.
        for line in app.quit_summary:
            click.echo(f"exit: {sanitize(line, 500)}")

    asyncio.run(run())


async def _service_answers(address: str) -> bool:
    """True when a nanoheater service answers its health check at ``address``."""
    from nanoheater.service.address import listening

    if not await listening(address):
        return False
    from nanoheater.exceptions import NanoheaterError
    from nanoheater.service.remote import RemoteHome

    try:
        async with RemoteHome(address) as remote:
            return (await remote.health()).get("ok") is True
    except NanoheaterError:
        return False


def _attach(address: str) -> None:
    """Run the attached TUI on the service at ``address``."""
    from nanoheater.config import data_dir
    from nanoheater.service.remote import RemoteHome
    from nanoheater.tui.attached import AttachedApp

    async def run() -> None:
        async with RemoteHome(address) as remote:
            app = AttachedApp(remote)
            with logs_to_file(data_dir() / LOG_FILE):
                await app.run_async()
        # The screen is gone: say per device what it is left at (nothing changed on any).
        for line in app.quit_summary:
            click.echo(f"exit: {line}")
        click.echo(f"detached from the service at {address}; it keeps running the heaters")

    asyncio.run(run())


def initial_heaters(texts: tuple[str, ...]) -> list[DiscoveredHeater]:
    """The devices the TUI lists before discovery: configured hosts and ``--host`` options.

    Raises:
        click.BadParameter: an address is malformed or names a serial link (exit 2).
    """
    heaters = []
    for text in texts:
        try:
            address = DeviceAddress.parse_tcp(text)
        except UsageError as exc:
            raise click.BadParameter(str(exc), param_hint="--host") from None
        heaters.append(
            DiscoveredHeater(
                name="", host=address.host, port=address.tcp_port, sources=(DiscoverySource.CONFIG,)
            )
        )
    return heaters


async def open_history(
    policy: RetentionPolicy,
) -> tuple[AsyncHistoryStore | None, DataDirLock | None, str | None]:
    """The history for an embedded TUI, or None (and why) when another process writes it.

    Two TUIs on one history booked the ledger twice (issue 14): the data folder's lock (the one
    ``serve`` holds) decides who writes; the second TUI runs without recording and says so.
    """
    from nanoheater.config import data_dir
    from nanoheater.history import AsyncHistoryStore
    from nanoheater.home.lock import DataDirLock, DataDirLocked

    lock = DataDirLock(data_dir())
    try:
        lock.acquire("tui")
    except DataDirLocked:
        holder = lock.holder()
        return None, None, f"history not recorded: {data_dir()} is in use ({holder})"
    try:
        return await AsyncHistoryStore.open(policy=policy), lock, None
    except BaseException:
        lock.release()
        raise
