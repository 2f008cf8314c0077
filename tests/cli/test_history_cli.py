"""Tests for ``nanoheater history``: day table, CSV, JSON, samples, errors, damaged file, zones."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import time

import pytest
from click.testing import CliRunner, Result

from nanoheater.capabilities import capabilities
from nanoheater.cli import cli
from nanoheater.cli.history import parse_since
from nanoheater.config import config_path, data_dir
from nanoheater.economics.market import MarketSettings, offline_market
from nanoheater.economics.tariff import Tariff
from nanoheater.history import DATABASE_FILE, HistoryStore, Sample, StoredDecision
from nanoheater.home import Target
from nanoheater.home.intents import INTENTS_FILE, Intents
from tests.tui.test_room_marks import SCHEDULE

MARKET = offline_market(MarketSettings(pool_fee=0.0), None)


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["history", *args])


@pytest.fixture
def recorded() -> float:
    """Three hours of a Nano 3S High at 10.0.0.7, sampled every 10 s, ending now."""
    now = time.time()
    start = now - 3 * 3600
    with HistoryStore.open() as store:
        for step in range(3 * 360 + 1):
            store.record(
                Sample("dna-nano", start + 10 * step, 140.0, 6.0, mode="High"),
                market=MARKET,
                tariff=Tariff(price_fiat_per_kwh=0.17),
                host="10.0.0.7",
                port=4028,
                model="nano3s",
            )
    return now


def test_json_totals_match_the_recording(recorded: float) -> None:
    """Three hours at 140 W: 0.42 kWh of heat, ≈ 31.7 sats, cost at $0.17/kWh."""
    result = _run("10.0.0.7", "--since", "4h", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert data["device"] == "dna-nano"
    assert totals["heat_kwh"] == pytest.approx(0.42, rel=1e-3)
    assert totals["expected_sats"] == pytest.approx(253.93 / 8, rel=1e-3)
    assert totals["cost_fiat"] == pytest.approx(0.42 * 0.17, rel=1e-3)
    assert totals["net_cost_fiat_per_kwh_heat"] == pytest.approx(0.17 - 0.0756, abs=2e-4)
    assert sum(h["seconds"] for h in data["hours"]) == pytest.approx(3 * 3600)


def test_csv_has_one_row_per_hour(recorded: float) -> None:
    """--csv prints a header and one row per ledger hour with net cost."""
    result = _run("10.0.0.7", "--since", "4h", "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) in (3, 4)  # three hours of data straddle three or four clock hours
    assert sum(float(r["heat_kwh"]) for r in rows) == pytest.approx(0.42, rel=1e-3)
    assert {"hour", "expected_sats", "cost_fiat", "net_cost_fiat"} <= set(rows[0])


def test_human_table_has_a_total_and_net_cost(recorded: float) -> None:
    """The default output ends with a total line and the net cost of the heat."""
    result = _run("10.0.0.7:4028", "--since", "1d")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2].startswith("total")
    assert "0.420" in lines[-2]
    assert lines[-1].startswith("net cost of heat: 0.09")


def test_samples_report(recorded: float) -> None:
    """--samples --csv lists the stored readings since the start."""
    result = _run("dna-nano", "--since", "30m", "--samples", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert 170 <= len(rows) <= 181
    assert rows[0]["mode"] == "High"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.0.0.99"], "no history for '10.0.0.99'; recorded devices: 10.0.0.7"),
        (["10.0.0.7", "--csv", "--json"], "choose one of"),
        (["10.0.0.7", "--since", "yesterday"], "--since 'yesterday'"),
    ],
)
def test_bad_requests_exit_2_with_one_line(recorded: float, args: list[str], message: str) -> None:
    """Unknown host, two formats or a bad --since: one line on stderr, exit 2."""
    result = _run(*args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert message in line


def test_damaged_database_is_kept_and_reported() -> None:
    """A damaged history file is moved aside with a one-line notice; the new one starts empty."""
    path = data_dir() / DATABASE_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not sqlite at all" * 64)
    result = _run("10.0.0.7")
    assert result.exit_code == 2
    # The notice is the store's own warning (a log record: one line on a real stderr, see
    # tests/history/test_salvage.py::test_the_history_command_says_it_in_one_line); the command
    # no longer echoes it a second time.
    assert "no history" in result.stderr.splitlines()[-1]
    (backup,) = path.parent.glob(f"{DATABASE_FILE}.corrupt-*")
    assert backup.read_bytes() == b"not sqlite at all" * 64


def test_parse_since_forms() -> None:
    """Spans, period names and ISO dates all parse."""
    now = 1_800_000_000.0
    assert parse_since("7d", now) == now - 7 * 86_400
    assert parse_since("90m", now) == now - 5400
    assert parse_since("today", now) <= now
    assert parse_since("2026-01-01T00:00:00+00:00", now) == 1_767_225_600.0


def test_plot_draws_the_day_and_the_week(recorded: float) -> None:
    """--plot prints both windows' charts with local-time labels, and refuses --csv."""
    result = _run("10.0.0.7", "--plot")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "== the last 24 hours ==" in out
    assert "== the last 7 days ==" in out
    assert "Power 140 W" in out
    nominal = capabilities("nano3s").profile("High").hashrate_ths
    assert f"expected {nominal:.2f}" in out  # the profile's nominal hashrate, as a line
    day = out.split("== the last 7 days ==")[0].splitlines()
    axis = next(line for line in day if re.fullmatch(r"( +\d\d:\d\d)+", line))
    hours = [int(h) for h in re.findall(r"(\d\d):00", axis)]
    assert len(hours) >= 6  # local-time labels at round, evenly spaced hours
    assert {(b - a) % 24 for a, b in itertools.pairwise(hours)} == {3}
    assert max(len(line) for line in out.splitlines()) <= 80  # not a terminal: 80 columns
    refused = _run("10.0.0.7", "--plot", "--csv")
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0


def test_plot_json_carries_the_points(recorded: float) -> None:
    result = _run("10.0.0.7", "--plot", "--json")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    data = json.loads(line)
    day = data["windows"]["24h"]
    assert day["bucket_s"] == 60
    assert 179 <= len(day["points"]) <= 181  # three hours of minutes
    assert {p["power_w"] for p in day["points"]} == {140.0}
    assert len(data["windows"]["7d"]["points"]) in (3, 4)
    assert sum(d["heat_kwh"] for d in data["days"]) == pytest.approx(0.42, rel=1e-3)


@pytest.fixture
def zone_recorded() -> float:
    """Zone 'living' of two devices over six hours: 100 W + 50 W, the room warming 18 -> 21 C.

    Both devices record the zone's decisions: set-point 19 C, then 21 C for the last two hours.
    """
    now = time.time()
    start = now - 6 * 3600
    with HistoryStore.open() as store:
        for device, host, power_w in (("dna-a", "10.0.0.8", 100.0), ("dna-b", "10.0.0.9", 50.0)):
            store.register_device(device, start, host=host, port=4028, model="nano3s")
            store.add_samples(
                Sample(
                    device,
                    start + 60 * m,
                    power_w=power_w,
                    room_temp_c=18.0 + 3.0 * m / 360,
                    mode="High",
                )
                for m in range(360)
            )
            for ts, setpoint in ((start, 19.0), (now - 2 * 3600, 21.0)):
                store.add_decision(StoredDecision(ts, device, "High", "zone", setpoint))
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[zones]\nliving = ["10.0.0.8", "10.0.0.9:4028"]\nempty = ["10.0.0.50"]\n')
    return now


def test_zone_plot_draws_the_rooms_setpoint_and_the_zones_power(zone_recorded: float) -> None:
    """--zone NAME --plot: the zone's room under its set-point, its devices' power summed."""
    result = _run("--zone", "living", "--plot")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Zone living (2 devices)")
    assert "== the last 24 hours ==" in out
    assert "== the last 7 days ==" in out
    assert "Zone power 150 W" in out  # 100 W + 50 W
    assert "set-point 21.0 °C" in out
    data = json.loads(_run("--zone", "living", "--plot", "--json").stdout)
    assert data["devices"] == ["dna-a", "dna-b"]
    day = data["windows"]["24h"]
    assert 358 <= len(day["points"]) <= 361
    assert {p["power_w"] for p in day["points"]} == {150.0}
    rooms = [p["room_c"] for p in day["points"]]
    assert rooms[0] == pytest.approx(18.0, abs=0.05)
    assert rooms[-1] == pytest.approx(21.0, abs=0.05)
    assert [s for _, s in day["setpoints"]] == [19.0, 21.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--zone", "attic", "--plot"], "no zone 'attic'; zones: empty, living"),
        (["--zone", "empty", "--plot"], "no history for the devices of zone 'empty'"),
        (["--zone", "living"], "use it with --plot"),
        (["10.0.0.8", "--zone", "living", "--plot"], "give HOST or --zone NAME"),
        (["--plot"], "give HOST or --zone NAME"),
    ],
)
def test_zone_usage_errors_are_one_line(
    zone_recorded: float, args: list[str], message: str
) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert message in line


QUIET_CONFIG = "[caps.quiet_hours]\nstart_hour = 22\nend_hour = 7\nmax_power_w = 0\n"


def _room_marks_row(out: str) -> str:
    """The marks row under the last 24 hours' room chart (title, 5 plot rows, marks, axis)."""
    day = out.split("== the last 7 days ==")[0].splitlines()
    title = next(i for i, line in enumerate(day) if line.startswith("Room"))
    return day[title + 6]


def test_plot_shades_the_configs_quiet_hours_under_the_room(
    recorded: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The device screen's quiet hours, in a plain terminal: 9 of the 24 hours shaded."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(QUIET_CONFIG)
    out = _run("10.0.0.7", "--plot").stdout
    assert out.splitlines()[0].endswith("░ quiet hours")
    row = _room_marks_row(out)
    assert 9 / 24 * 70 <= row.count("░") <= 9 / 24 * 80 + 2, row  # 80 columns less the gutter
    monkeypatch.undo()
    time.tzset()


def test_zone_plot_marks_the_services_target_quiet_hours_and_steps(
    zone_recorded: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zone following a schedule in ``serve`` (intents.json): ░ quiet hours, ↑ 06:30, ↓ 22:30.

    The intents file is only read (the service may be running): a damaged one stays as it is.
    """
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    config = config_path()
    config.write_text(config.read_text() + QUIET_CONFIG)
    intents = data_dir() / INTENTS_FILE
    week = Target(kind="schedule", schedule_toml=SCHEDULE, schedule_name="week.toml")
    Intents(targets={"living": week}).save(intents)
    out = _run("--zone", "living", "--plot").stdout
    assert out.splitlines()[0].endswith("░ quiet hours  ↑↓ schedule")
    row = _room_marks_row(out)
    assert "↑" in row
    assert "↓" in row
    assert row.count("░") >= 20, row
    data = json.loads(_run("--zone", "living", "--plot", "--json").stdout)
    day = data["windows"]["24h"]
    assert {s["kind"]: (s["ts_s"] % 86_400) / 3600 for s in day["steps"]} == {
        "up": 6.5,
        "down": 22.5,
    }
    assert day["quiet"]
    Intents(targets={"living": Target(kind="off")}).save(intents)
    off = _run("--zone", "living", "--plot").stdout
    assert "░" not in off
    assert "↑" not in off
    intents.write_text("{not json")
    damaged = _run("--zone", "living", "--plot")
    assert damaged.exit_code == 0, damaged.stderr
    assert intents.read_text() == "{not json"  # left for the service to deal with
    monkeypatch.undo()
    time.tzset()
