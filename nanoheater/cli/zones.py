"""Provides ``nanoheater zones``: a running service's zones, listed and changed.

``nanoheater zones`` lists them; ``add``, ``rename``, ``remove``, ``assign`` and ``unassign``
change them through the service, which keeps them in config.toml's ``[zones]``. Every form
prints the zones it changed (one line each, or one JSON object a line with ``--json``). Exit
codes: 0 done, 2 usage (an unknown zone or device, a name taken), 3 refused (a wrong token),
4 no service answers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, ParamSpec

import click

from nanoheater.cli.output import print_json, run_async
from nanoheater.cli.target import API_OPTION, format_zone
from nanoheater.service.remote import RemoteHome, find_api

P = ParamSpec("P")
JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per zone and line."
)


def _client(func: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """A zones command's --api and --json, run as a client of the service."""
    return API_OPTION(JSON_OPTION(run_async(func)))


def _show(zones: Iterable[dict[str, Any]], as_json: bool) -> None:
    for zone in zones:
        if as_json:
            print_json(zone)
        else:
            click.echo(format_zone(zone))


@click.group(invoke_without_command=True)
@API_OPTION
@JSON_OPTION
@click.pass_context
def zones(ctx: click.Context, api: str | None, as_json: bool) -> None:
    """List the running service's zones: target, devices, override, last decision.

    With a command, change them; the service keeps them in config.toml [zones].
    """
    if ctx.invoked_subcommand is None:
        _list(api, as_json)


@run_async
async def _list(api: str | None, as_json: bool) -> None:
    async with RemoteHome(find_api(api)) as home:
        _show(await home.zones(), as_json)


@zones.command()
@click.argument("name")
@click.argument("devices", nargs=-1)
@_client
async def add(name: str, devices: tuple[str, ...], api: str | None, as_json: bool) -> None:
    """Make zone NAME and move DEVICES into it.

    A device is a host, host:port or name; each leaves the zone it was in.
    """
    async with RemoteHome(find_api(api)) as home:
        _show([await home.create_zone(name, list(devices))], as_json)


@zones.command()
@click.argument("zone")
@click.argument("new_name")
@_client
async def rename(zone: str, new_name: str, api: str | None, as_json: bool) -> None:
    """Call ZONE NEW_NAME; its target goes with it."""
    async with RemoteHome(find_api(api)) as home:
        _show([await home.rename_zone(zone, new_name)], as_json)


@zones.command()
@click.argument("zone")
@_client
async def remove(zone: str, api: str | None, as_json: bool) -> None:
    """Remove ZONE and its target; lists every zone.

    Its devices become zones of their own and keep what they run.
    """
    async with RemoteHome(find_api(api)) as home:
        _show(await home.delete_zone(zone), as_json)


@zones.command()
@click.argument("zone")
@click.argument("devices", nargs=-1, required=True)
@_client
async def assign(zone: str, devices: tuple[str, ...], api: str | None, as_json: bool) -> None:
    """Move DEVICES into ZONE (each leaves the zone it was in)."""
    async with RemoteHome(find_api(api)) as home:
        _show([await home.assign(zone, list(devices))], as_json)


@zones.command()
@click.argument("zone")
@click.argument("devices", nargs=-1, required=True)
@_client
async def unassign(zone: str, devices: tuple[str, ...], api: str | None, as_json: bool) -> None:
    """Take DEVICES out of ZONE; each becomes a zone of its own."""
    async with RemoteHome(find_api(api)) as home:
        view: dict[str, Any] = {}
        for device in devices:
            view = await home.unassign(zone, device)
        _show([view], as_json)
