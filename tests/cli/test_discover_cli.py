"""Tests for ``nanoheater discover``: refusals, JSON and table output, config hosts, progress."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from firmware_sim.fleet import Fleet
from nanoheater.cli import cli
from nanoheater.cli.discover import ScanProgress

JSON_KEYS = {"name", "host", "port", "model", "mac", "dna", "source"}


async def _run_cli(*args: str) -> tuple[int, str, str]:
    """Run the real entry point in a child process (the fleet keeps serving in this loop)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nanoheater",
        "discover",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    """Three simulated heaters (Nano 3S, Mini 3, Q) on 127.0.0.2 .. 127.0.0.4, port 4028."""
    async with Fleet(["nano3s", "mini3", "q"], address="127.0.0.2", port=4028) as fleet:
        yield fleet


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scan", "10.0.0.0/8"], "refusing to scan 10.0.0.0/8"),
        (["--scan", "127.0.0.0/15"], "more than a /16"),
        (["--scan", "banana"], "not a CIDR network"),
        (["--scan", "127.0.0.0/33"], "not a CIDR network"),
        (["--no-mdns"], "nothing to discover"),
    ],
)
def test_discover_refuses_bad_requests_with_one_line_and_exit_2(
    args: list[str], message: str
) -> None:
    """Pins exit code 2 and a single stderr line for a too-large or malformed CIDR, or no means."""
    result = CliRunner().invoke(cli, ["discover", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nanoheater: ")
    assert message in lines[0]


def test_discover_rejects_a_bad_timeout_as_usage_error() -> None:
    """Pins that a non-positive --timeout is a usage error (exit 2)."""
    result = CliRunner().invoke(cli, ["discover", "--timeout", "0", "--no-mdns"])
    assert result.exit_code == 2


async def test_discover_json_lists_every_heater_with_the_documented_keys(fleet: Fleet) -> None:
    """Pins the --json shape: a list of {name, host, port, model, mac, dna, source}."""
    code, out, err = await _run_cli("--scan", "127.0.0.0/29", "--no-mdns", "--json")
    assert code == 0, err
    heaters = json.loads(out)
    assert [h["host"] for h in heaters] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert all(set(h) == JSON_KEYS for h in heaters)
    assert [h["model"] for h in heaters] == ["nano3s", "mini3", "q"]
    assert {h["source"] for h in heaters} == {"probe"}
    for heater, member in zip(heaters, fleet.members, strict=True):
        assert heater["port"] == 4028
        assert heater["dna"] == member.heater.state.dna.lower()
        assert heater["mac"].replace(":", "") == member.heater.state.mac.lower()
    assert err == ""  # a /29 is one wave: no progress lines


async def test_discover_joins_sources_with_a_comma_for_config_hosts(
    fleet: Fleet, isolated_dirs: Path
) -> None:
    """Pins that a configured host inside the range reports source "probe,config"."""
    config = isolated_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('hosts = ["127.0.0.3", "127.0.0.4:4028"]\n')
    code, out, err = await _run_cli("--scan", "127.0.0.2/32", "--no-mdns", "--json")
    assert code == 0, err
    assert [(h["host"], h["source"]) for h in json.loads(out)] == [
        ("127.0.0.2", "probe"),
        ("127.0.0.3", "config"),
        ("127.0.0.4", "config"),
    ]
    code, out, err = await _run_cli("--scan", "127.0.0.0/29", "--no-mdns", "--json")
    assert [(h["host"], h["source"]) for h in json.loads(out)] == [
        ("127.0.0.2", "probe"),
        ("127.0.0.3", "probe,config"),
        ("127.0.0.4", "probe,config"),
    ]


async def test_discover_uses_config_hosts_without_any_scan(
    fleet: Fleet, isolated_dirs: Path
) -> None:
    """Pins that configured hosts alone make --no-mdns valid, and a silent one is reported."""
    config = isolated_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('hosts = ["127.0.0.4", "127.0.0.9"]\n')
    code, out, err = await _run_cli("--no-mdns", "--json")
    assert code == 0, err
    assert [(h["host"], h["model"], h["source"]) for h in json.loads(out)] == [
        ("127.0.0.4", "q", "config")
    ]
    # The configured host that is not there is named on stderr, once.
    assert err.splitlines() == [
        "WARNING nanoheater.discovery.probe: configured host did not answer: "
        "127.0.0.9:4028: connection refused"
    ]


async def test_one_malformed_config_host_is_skipped_and_discovery_goes_on(
    fleet: Fleet, isolated_dirs: Path
) -> None:
    """Pins that a bad ``hosts`` entry is one sanitised warning, not exit 2 for every command."""
    config = isolated_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('hosts = ["127.0.0.4", "bad host!\\u001b]0;x\\u0007"]\n')
    code, out, err = await _run_cli("--no-mdns", "--json")
    assert code == 0, err
    assert [(h["host"], h["model"], h["source"]) for h in json.loads(out)] == [
        ("127.0.0.4", "q", "config")
    ]
    [warning] = err.splitlines()
    assert warning.startswith("WARNING nanoheater.config: ")
    assert "skipping 1 malformed host entry" in warning
    assert "bad host!" in warning
    assert "\x1b" not in warning
    assert "\x07" not in warning


async def test_discover_prints_an_aligned_table(fleet: Fleet) -> None:
    """Pins the human table: header, one row per heater, every value shown, '-' for none."""
    code, out, err = await _run_cli("--scan", "127.0.0.0/29", "--no-mdns")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "HOST", "PORT", "MODEL", "MAC", "DNA", "SOURCE"]
    assert len(lines) == 4
    source_column = lines[0].index("SOURCE")
    for line, member in zip(lines[1:], fleet.members, strict=True):
        assert member.heater.state.dna.lower() in line
        assert line[source_column:] == "probe"
    assert "Avalon Nano3s" in lines[1]
    assert " mini3 " in lines[2]


async def test_discover_says_so_when_nothing_answers() -> None:
    """Pins that an empty result is exit 0, nothing on stdout, and a note on stderr."""
    code, out, err = await _run_cli("--scan", "127.0.0.0/30", "--no-mdns")
    assert (code, out) == (0, "")
    assert "no heaters found" in err
    code, out, err = await _run_cli("--scan", "127.0.0.0/30", "--no-mdns", "--json")
    assert (code, json.loads(out)) == (0, [])


async def test_discover_shows_progress_on_stderr_for_long_scans(fleet: Fleet) -> None:
    """Pins that a scan of more than one wave reports progress on stderr, ending at the total."""
    code, out, err = await _run_cli("--scan", "127.0.0.0/22", "--no-mdns", "--json")
    assert code == 0, err
    assert len(json.loads(out)) == 3
    lines = err.splitlines()
    assert 2 <= len(lines) <= 11  # a line per tenth of the scan when stderr is not a terminal
    assert lines[-1] == "scanned 1022/1022 hosts, 3 heaters found"


@pytest.mark.mdns
async def test_discover_lists_mdns_and_probe_sources_together() -> None:
    """Pins that the CLI browses mDNS by default and merges it with the scan into "mdns,probe"."""
    async with Fleet(["nano3s", "q"], address="127.0.0.2", port=4028, mdns=True):
        code, out, err = await _run_cli("--scan", "127.0.0.2/32", "--timeout", "2", "--json")
    assert code == 0, err
    assert [(h["host"], h["source"]) for h in json.loads(out)] == [
        ("127.0.0.2", "mdns,probe"),
        ("127.0.0.3", "mdns"),
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_scan_progress_redraws_one_line_on_a_terminal() -> None:
    """Pins terminal progress: redrawn in place, throttled, ending at the total on its own line."""
    stream = _Terminal()
    progress = ScanProgress(stream)
    for done in range(1, 2001):
        progress(done, 2000, done // 1000)
    progress.finish()
    text = stream.getvalue()
    assert text.endswith("\rscanned 2000/2000 hosts, 2 heaters found\n")
    assert text.count("\n") == 1
    assert text.count("\r") < 2000  # throttled, not one redraw per host
    assert "\x1b" not in text


def test_scan_progress_prints_lines_by_tenths_elsewhere() -> None:
    """Pins pipe/file progress: one plain line per tenth of the scan, none repeated."""
    stream = io.StringIO()
    progress = ScanProgress(stream)
    for done in range(1, 1001):
        progress(done, 1000, 0)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "scanned 1/1000 hosts, 0 heaters found"
    assert lines[1:] == [f"scanned {n}/1000 hosts, 0 heaters found" for n in range(100, 1001, 100)]


@pytest.mark.mdns  # needs namespaces: it runs the CLI in a nested one that has no interface up
async def test_discover_without_any_network_interface_warns_and_finds_nothing() -> None:
    """Pins that mDNS with no usable interface is a one-line warning, not a crash (exit 0)."""
    proc = await asyncio.create_subprocess_exec(
        "unshare",
        "-rn",
        sys.executable,
        "-m",
        "nanoheater",
        "discover",
        "--timeout",
        "0.5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0
    assert out == b""
    warning, summary = err.decode().splitlines()
    assert warning.startswith("WARNING nanoheater.discovery.mdns: mDNS browsing unavailable: ")
    assert summary == "no heaters found"


def test_discover_refuses_a_broken_config_file(isolated_dirs: Path) -> None:
    """Pins that an unreadable config file is a usage error (exit 2) naming the file."""
    config = isolated_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("hosts = [\n")
    result = CliRunner().invoke(cli, ["discover", "--no-mdns", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "config.toml" in result.stderr
