"""Config files and environment values are untrusted input (issue 14).

A FIFO as config.toml hung every command, ``/dev/zero`` read until MemoryError, saving replaced
a symlinked config.toml with a plain file, and malformed ``NANOHEATER_*`` values or a NaN in a
limit gave tracebacks or switched checks off. Every case ends in one line and a documented code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nanoheater.config import Settings, load_settings, save_settings
from nanoheater.controller.targets import parse_schedule
from nanoheater.exceptions import UsageError

ECONOMICS = ("economics", "--offline", "--model", "nano3s", "--mode", "High")


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {
        **os.environ,
        "NANOHEATER_CONFIG_DIR": str(tmp_path / "config"),
        "NANOHEATER_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "nanoheater", *args],
        capture_output=True,
        timeout=30,
        env=environment,
    )


def _one_line(result: subprocess.CompletedProcess[bytes], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.decode(errors="replace").splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "huge"])
def test_a_config_that_is_not_a_small_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    """Pins: no hang, no MemoryError: exit 2 with one line naming the file."""
    folder = tmp_path / "config"
    folder.mkdir()
    config = folder / "config.toml"
    if kind == "fifo":
        os.mkfifo(config)
    elif kind == "dev-zero":
        config.symlink_to("/dev/zero")
    elif kind == "directory":
        config.mkdir()
    else:
        config.write_text("# " + "x" * (2 << 20) + "\n")
    line = _one_line(_run(tmp_path, *ECONOMICS), 2)
    assert "config.toml" in line


def test_saving_keeps_a_symlinked_config(tmp_path: Path) -> None:
    """Pins: the link stays a link and its target gets the new content, mode 0600."""
    real = tmp_path / "dotfiles" / "nanoheater.toml"
    real.parent.mkdir()
    real.write_text("hosts = []\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_settings(Settings(hosts=("127.0.0.2",)), link)
    assert link.is_symlink()
    assert "127.0.0.2" in real.read_text()
    assert load_settings(link).settings.hosts == ("127.0.0.2",)
    assert real.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NANOHEATER_HOSTS", "["),
        ("NANOHEATER_CAPS", "{"),
        ("NANOHEATER_HOSTS", '"x y"'),
        ("NANOHEATER_TARIFF__PRICE_FIAT_PER_KWH", "nan"),
        ("NANOHEATER_HISTORY__FULL_RESOLUTION_H", "1e999"),
        ("NANOHEATER_CAPS__MAX_ROOM_TEMP_C", "nan"),
    ],
)
def test_a_malformed_environment_value_is_one_line(tmp_path: Path, name: str, value: str) -> None:
    """Pins: exit 2 and one line starting with the program name, never a traceback."""
    line = _one_line(_run(tmp_path, *ECONOMICS, **{name: value}), 2)
    assert "environment" in line


@pytest.mark.parametrize(
    "toml",
    [
        "[caps]\nmax_room_temp_c = nan\n",
        "[caps]\nmax_room_temp_c = inf\n",
        "[tariff]\nprice_fiat_per_kwh = nan\n",
        "api = '127.0.0.1:" + "9" * 5000 + "'\n",
    ],
)
def test_a_non_finite_or_absurd_config_value_is_refused(tmp_path: Path, toml: str) -> None:
    """Pins: NaN/inf in a limit are a config error (exit 2, one line), never a silent default."""
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(UsageError):
        load_settings(path)


def test_a_deeply_nested_config_is_one_line(tmp_path: Path) -> None:
    """Pins: 2,000 nested brackets (4 kB) are "not valid TOML", not a RecursionError traceback."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "config.toml").write_text("hosts = " + "[" * 2000 + "]" * 2000 + "\n")
    line = _one_line(_run(tmp_path, *ECONOMICS), 2)
    assert "config.toml" in line
    assert "nested too deeply" in line


def _schedule_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "week.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "not UTF-8":
        path.write_bytes(b'[[entry]]\nat = "07:00"\nmode = "\xff"\n')
    elif kind == "nested":
        path.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    else:
        path.write_text(SCHEDULE_VALUES[kind])
    return path


SCHEDULE_VALUES = {
    "entry not a list": "entry = 5\n",
    "entry not a table": "entry = [5]\n",
    "quiet not a table": 'quiet = ["22:00"]\n',
    "target_c nan": '[[entry]]\nat = "07:00"\ntarget_c = nan\n',
    "target_c inf": '[[entry]]\nat = "07:00"\ntarget_c = inf\n',
    "target_c text": '[[entry]]\nat = "07:00"\ntarget_c = "warm"\n',
    "target_c bool": '[[entry]]\nat = "07:00"\ntarget_c = true\n',
    "power_w -inf": '[[entry]]\nat = "07:00"\npower_w = -inf\n',
    "power_w table": '[[entry]]\nat = "07:00"\npower_w = {a = 1}\n',
    "max_db nan": '[[quiet]]\nfrom = "22:00"\nto = "07:00"\nmax_db = nan\n',
    "max_power_w inf": '[[quiet]]\nfrom = "22:00"\nto = "07:00"\nmax_power_w = inf\n',
}
"""Schedules TOML parses but that are not schedules (TOML allows ``nan`` and ``inf``)."""


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "not UTF-8", "nested", "entry not a table"])
def test_a_hostile_schedule_file_is_one_line(tmp_path: Path, kind: str) -> None:
    """Pins: a schedule file is config too: no hang, no traceback; exit 2 and one line.

    A FIFO hung ``thermostat --schedule`` (and the TUI's event loop, which loads schedules on
    it), ``/dev/zero`` read until MemoryError, and the rest were tracebacks.
    """
    schedule = _schedule_file(tmp_path, kind)
    args = ("thermostat", "127.0.0.1:1", "--schedule", str(schedule), "--duration", "1")
    line = _one_line(_run(tmp_path, *args), 2)
    assert "schedule" in line


@pytest.mark.parametrize("kind", sorted(SCHEDULE_VALUES))
def test_a_schedule_that_is_not_one_is_a_usage_error(kind: str) -> None:
    """Pins: every shape and value that is not a schedule is a UsageError, NaN/inf included.

    The same text reaches ``parse_schedule`` from a file, the service API (``target
    --schedule``) and Home Assistant; any other exception escaped all of them.
    """
    with pytest.raises(UsageError) as caught:
        parse_schedule(SCHEDULE_VALUES[kind])
    assert str(caught.value).isprintable()


def test_a_schedule_nested_too_deeply_is_a_usage_error() -> None:
    """Pins: text sent to the service is parsed there: nesting is a UsageError, not a crash."""
    with pytest.raises(UsageError, match="nested too deeply"):
        parse_schedule("x = " + "[" * 3000 + "]" * 3000)
