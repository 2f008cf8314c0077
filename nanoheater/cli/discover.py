"""Provides ``nanoheater discover``: list heaters found by mDNS, a CIDR probe and the config file.

Output is a table, or with ``--json`` one JSON list of objects
``{name, host, port, model, mac, dna, source}``. ``source`` says how the heater was found:
``mdns``, ``probe`` or ``config``; a heater found several ways has them **comma-joined in that
fixed order** (``"mdns,probe"``), so it is always one string, the same in the table and the JSON
(split on ``,`` for a list). ``model`` is the short model name (``nano3s``) or null.

A CIDR larger than a /16, or a malformed one, is refused with one line on stderr and exit code 2.
Scans longer than one wave of probes report progress on stderr; stdout carries only the result.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click

from nanoheater import discovery
from nanoheater.cli.output import print_json, run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.exceptions import UsageError
from nanoheater.models import DiscoveredHeater

_COLUMNS = ("NAME", "HOST", "PORT", "MODEL", "MAC", "DNA", "SOURCE")
_TTY_REFRESH_S = 0.1
"""Least time between two progress redraws on a terminal."""


def heater_json(heater: DiscoveredHeater) -> dict[str, object]:
    """Return the ``--json`` object for one heater."""
    return {
        "name": heater.name,
        "host": heater.host,
        "port": heater.port,
        "model": heater.model.value if heater.model else None,
        "mac": heater.mac,
        "dna": heater.dna,
        "source": discovery.source_label(heater),
    }


def format_table(heaters: list[DiscoveredHeater]) -> str:
    """Return the human table: one header line and one line per heater, columns aligned."""
    rows = [list(_COLUMNS)]
    for heater in heaters:
        fields = heater_json(heater)
        rows.append(
            [
                "-" if fields[key] is None else str(fields[key])
                for key in (c.lower() for c in _COLUMNS)
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


class ScanProgress:
    """Reports probe progress on a stream: redrawn in place on a terminal, every 10 % otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last_draw = 0.0
        self._last_decile = -1
        self._open_line = False

    def __call__(self, done: int, total: int, found: int) -> None:
        """Record that ``done`` of ``total`` hosts are probed and ``found`` heaters answered."""
        text = f"scanned {done}/{total} hosts, {found} heaters found"
        if self._tty:
            now = time.monotonic()
            if done == total or now - self._last_draw >= _TTY_REFRESH_S:
                self._last_draw = now
                self._stream.write(f"\r{text}")
                self._open_line = True
                if done == total:
                    self.finish()
            return
        decile = done * 10 // total
        if decile > self._last_decile:
            self._last_decile = decile
            self._stream.write(f"{text}\n")
            self._stream.flush()

    def finish(self) -> None:
        """End an in-place progress line so the next output starts on a fresh line."""
        if self._open_line:
            self._stream.write("\n")
            self._open_line = False
        self._stream.flush()


def _config_hosts() -> list[str]:
    """Return the hosts listed in the config file (malformed entries skipped with a warning)."""
    # Imported here: only discover needs pydantic-settings and the config file.
    from nanoheater.config import load_settings

    return list(load_settings().settings.hosts)


@click.command()
@click.option(
    "--timeout",
    "timeout_s",
    type=FiniteFloat(min=0.1, max=600),
    default=discovery.DEFAULT_DISCOVERY_TIMEOUT_S,
    show_default=True,
    metavar="S",
    help="Seconds to listen for mDNS answers; also caps each probe (at most 5 s).",
)
@click.option(
    "--scan",
    "scan",
    metavar="CIDR",
    multiple=True,
    help="Probe every host of CIDR (at most a /16) on port 4028. Repeatable.",
)
@click.option("--no-mdns", is_flag=True, help="Do not browse mDNS.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of {name, host, port, model, mac, dna, source} instead of a table; "
    'source is comma-joined when found several ways ("mdns,probe").',
)
@run_async
async def discover(timeout_s: float, scan: tuple[str, ...], no_mdns: bool, as_json: bool) -> None:
    """Find heaters by mDNS, by probing --scan ranges, and at the config file's hosts."""
    hosts = _config_hosts()
    # Refuses a bad or too-large CIDR (exit 2) before any traffic, and sizes the progress decision.
    targets = discovery.build_targets(scan, hosts)
    if no_mdns and not targets:
        raise UsageError("nothing to discover: --no-mdns needs --scan CIDR or hosts in the config")
    progress = ScanProgress(sys.stderr) if len(targets) > discovery.DEFAULT_CONCURRENCY else None
    try:
        heaters = await discovery.discover(
            timeout_s=timeout_s, mdns=not no_mdns, scan=scan, hosts=hosts, progress=progress
        )
    finally:
        if progress is not None:
            progress.finish()
    if as_json:
        print_json([heater_json(h) for h in heaters])
    elif heaters:
        click.echo(format_table(heaters))
    else:
        click.echo("no heaters found", err=True)
