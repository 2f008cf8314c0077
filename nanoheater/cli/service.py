"""Provides ``nanoheater service install|status``: run ``serve`` under systemd, and check it.

``install`` writes a systemd unit (``--user`` for the per-user manager, ``--print`` to only show
it); it does not start anything, it prints the ``systemctl`` lines to run. ``status`` asks the
API whether a service runs and says where; exit 4 when none answers.
"""

from __future__ import annotations

import click

from nanoheater.cli.output import fail, print_json, run_async
from nanoheater.exceptions import UsageError
from nanoheater.service.remote import RemoteHome, find_api
from nanoheater.service.systemd import UNIT_NAME, unit_path, unit_text


@click.group()
def service() -> None:
    """Install nanoheater serve as a systemd service, or check the running one."""


@service.command(context_settings={"ignore_unknown_options": True})
@click.option("--user", is_flag=True, help="A unit for your user's systemd (no root needed).")
@click.option("--print", "only_print", is_flag=True, help="Print the unit; write nothing.")
@click.argument("serve_args", nargs=-1, type=click.UNPROCESSED)
def install(user: bool, only_print: bool, serve_args: tuple[str, ...]) -> None:
    """Write the systemd unit that runs nanoheater serve [SERVE_ARGS...]."""
    text = unit_text(list(serve_args), user=user)
    if only_print:
        click.echo(text, nl=False)
        return
    path = unit_path(user)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        hint = "" if user else " (use --user, or run as root)"
        fail(f"cannot write {path}: {exc.strerror}{hint}", 2)
    scope = "--user " if user else ""
    click.echo(f"wrote {path}")
    reload, enable = f"systemctl {scope}daemon-reload", f"systemctl {scope}enable --now"
    click.echo(f"start it with: {reload} && {enable} {UNIT_NAME}")
    if user:
        click.echo("keep it running after logout: loginctl enable-linger $USER")


@service.command()
@click.option(
    "--api",
    "api",
    metavar="HOST:PORT",
    help="Where to look (default: NANOHEATER_API, else config).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@run_async
async def status(api: str | None, as_json: bool) -> None:
    """Say whether the service runs, where its API is, and how many devices it owns."""
    address = find_api(api)
    async with RemoteHome(address) as home:
        health = await home.health()
    if not isinstance(health, dict) or health.get("ok") is not True:
        raise UsageError(f"{address} did not answer like a nanoheater service")
    if as_json:
        print_json({"api": address, **health})
        return
    ready = "ready" if health.get("ready") else "starting (no device reading yet)"
    click.echo(
        f"nanoheater serve runs at http://{address}/api/v1 (pid {health.get('pid')}, {ready}): "
        f"{health.get('devices')} devices, {health.get('zones')} zones"
    )
