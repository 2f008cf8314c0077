"""Provides ``nanoheater history HOST``: the recorded energy, heat, sats and money of one heater.

``--since`` takes a span (``30m``, ``24h``, ``7d``, ``2w``), a period (``today``, ``week``,
``season``) or a date (``2026-01-01``). Without a format flag it prints one line per local day
and a total; ``--csv`` prints one row per ledger hour, ``--json`` one object with the hours and
the totals, and ``--samples`` switches either to the stored status samples. A damaged history
file is moved aside with a one-line notice on stderr (the store's own recovery).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime

import click

from nanoheater.cli.history_plot import echo_plots, echo_zone_plots, read_plots
from nanoheater.cli.output import handle_errors, print_json
from nanoheater.exceptions import UsageError
from nanoheater.history import (
    HistoryStore,
    LedgerEntry,
    LedgerTotals,
    Period,
    Sample,
    period_start,
)

_SPAN_S = {"m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_since(text: str, now_s: float) -> float:
    """Epoch seconds for a ``--since`` value (span, period name or ISO date)."""
    raw = text.strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([mhdw])", raw)
    if match:
        return now_s - float(match[1]) * _SPAN_S[match[2]]
    if raw in {p.value for p in Period}:
        season = "09-01"
        if raw == Period.SEASON:
            from nanoheater.config import load_settings

            season = load_settings().settings.history.season_start
        return period_start(raw, now_s, season_start=season)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--since {text!r}: use a span (24h, 7d), today/week/season, or a date (2026-01-01)"
        ) from None
    return when.timestamp()


@click.command()
@click.argument("host", required=False)
@click.option("--since", "since", default="7d", show_default=True, help="Start of the report.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, one row per hour (or per sample).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.option("--samples", is_flag=True, help="Report stored status samples instead of the ledger.")
@click.option(
    "--plot",
    is_flag=True,
    help="Charts of the last 24 hours and 7 days (power, room and set-point, hashrate, heat and "
    "net cost per day); --since does not apply; with --json, their points.",
)
@click.option(
    "--zone",
    "zone",
    metavar="NAME",
    help="With --plot, instead of HOST: a zone of config.toml [zones] (room and set-point, "
    "its devices' total power).",
)
@handle_errors
def history(
    host: str | None,
    since: str,
    as_csv: bool,
    as_json: bool,
    samples: bool,
    plot: bool,
    zone: str | None,
) -> None:
    """Show what HOST delivered and earned since --since (or chart a --zone)."""
    if as_csv and as_json:
        raise UsageError("choose one of --csv and --json")
    if plot and (as_csv or samples):
        raise UsageError("--plot draws charts; it does not combine with --csv or --samples")
    if (host is None) == (zone is None):
        raise UsageError("give HOST or --zone NAME (one of them)")
    if zone is not None and not plot:
        raise UsageError("--zone draws the zone's charts: use it with --plot")
    now = time.time()
    since_s = parse_since(since, now)
    # A damaged history's notice (what was salvaged) is the store's own warning on stderr: one
    # line. Echoing store.notice as well printed it twice.
    with HistoryStore.open() as store:
        if host is None:  # then a zone, checked above
            echo_zone_plots(store, str(zone), now, as_json=as_json)
            return
        device = store.resolve(host)
        if device is None:
            known = ", ".join(d.host or d.device for d in store.devices()) or "none yet"
            raise UsageError(f"no history for {host!r}; recorded devices: {known}")
        if plot:
            model = next((d.model for d in store.devices() if d.device == device), None)
            windows, days = read_plots(store, device, model, now)
            echo_plots(device, model, windows, days, as_json=as_json)
            return
        if samples:
            rows = [asdict(s) for s in store.samples_since(device, since_s, now)]
            fields = [f.name for f in dataclasses.fields(Sample)]
            _print_rows(rows, fields, as_csv=as_csv, as_json=as_json, meta={"device": device})
            return
        hours = store.ledger_hours(device, since_s, now)
        totals = store.totals(device, since_s, now)
    if as_json:
        print_json(
            {
                "device": device,
                "host": host,
                "since_s": since_s,
                "until_s": now,
                "totals": _totals_json(totals),
                "hours": [asdict(h) for h in hours],
            }
        )
    elif as_csv:
        fields = ["hour", *(f.name for f in dataclasses.fields(LedgerEntry)), "net_cost_fiat"]
        _print_rows([_hour_row(h) for h in hours], fields, as_csv=True, as_json=False, meta={})
    else:
        click.echo(format_days(device, hours, totals))


def format_days(device: str, hours: list[LedgerEntry], totals: LedgerTotals) -> str:
    """One line per local day and a total line."""
    cur = totals.currency or (hours[0].currency if hours else "")
    days: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in hours:
        days[time.strftime("%Y-%m-%d", time.localtime(entry.hour_s))].append(entry)
    header = f"{'day':<12}{'heat kWh':>10}{'sats':>10}{'cost':>10}{'revenue':>10}{'net':>10}"
    lines = [f"History of {device} ({cur})", header]
    for day, entries in days.items():
        lines.append(
            _line(
                day,
                sum(e.heat_kwh for e in entries),
                sum(e.expected_sats for e in entries),
                sum(e.cost_fiat for e in entries),
                sum(e.revenue_fiat for e in entries),
            )
        )
    lines.append(
        _line(
            "total",
            totals.heat_kwh,
            totals.expected_sats,
            totals.cost_fiat,
            totals.revenue_fiat,
        )
    )
    per_kwh = totals.net_cost_fiat_per_kwh_heat
    if per_kwh is not None:
        lines.append(
            f"net cost of heat: {per_kwh:.4f} {cur}/kWh over {totals.seconds / 3600:.1f} h"
        )
    else:
        lines.append("no heat recorded in this period")
    return "\n".join(lines)


def _line(label: str, heat: float, sats: float, cost: float, revenue: float) -> str:
    return (
        f"{label:<12}{heat:>10.3f}{sats:>10.1f}{cost:>10.4f}{revenue:>10.4f}{cost - revenue:>10.4f}"
    )


def _hour_row(entry: LedgerEntry) -> dict[str, object]:
    row: dict[str, object] = {
        "hour": datetime.fromtimestamp(entry.hour_s).astimezone().isoformat(timespec="minutes")
    }
    row.update(asdict(entry))
    row["net_cost_fiat"] = entry.cost_fiat - entry.revenue_fiat
    return row


def _totals_json(totals: LedgerTotals) -> dict[str, object]:
    return asdict(totals) | {
        "net_cost_fiat": totals.net_cost_fiat,
        "net_cost_fiat_per_kwh_heat": totals.net_cost_fiat_per_kwh_heat,
    }


def _print_rows(
    rows: list[dict[str, object]],
    fields: list[str],
    *,
    as_csv: bool,
    as_json: bool,
    meta: dict[str, object],
) -> None:
    if as_json:
        print_json(meta | {"rows": rows})
        return
    if not rows and not as_csv:
        click.echo("nothing recorded in this period")
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(out.getvalue(), nl=False)
