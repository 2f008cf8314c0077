"""Hostile command-line values: every option of every command, and argv the shell can send.

Issue 14: float options took NaN and infinity (``--max-room nan`` switched the interlock off,
``simulate --hours inf`` never ended). The fuzz walks the whole click tree, so an option added
later is covered without editing this file.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest

from nanoheater.cli import cli

HOSTILE = ["nan", "NaN", "inf", "-inf", "1e999", "-1e999", "9" * 5000, "-" + "9" * 5000, "", " "]
"""Values every option must either refuse as a usage error or turn into something finite."""


def _options(
    group: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Parameter]]:
    if isinstance(group, click.Group):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):  # a lazy group loads each command here
            command = group.get_command(ctx, name)
            if command is not None:
                yield from _options(command, (*path, name))
        return
    for param in group.params:
        yield " ".join(path) + " " + (param.opts[0] if param.opts else param.name or "?"), param


OPTIONS = sorted(_options(cli), key=lambda item: item[0])


def test_the_tree_has_options() -> None:
    """Pins: the walk reaches the commands (a silently empty fuzz would prove nothing)."""
    names = [name for name, _ in OPTIONS]
    assert any("thermostat --max-room" in n for n in names)
    assert any("simulate --hours" in n for n in names)


@pytest.mark.parametrize(("name", "param"), OPTIONS, ids=[n for n, _ in OPTIONS])
def test_every_option_refuses_or_accepts_hostile_values_cleanly(
    name: str, param: click.Parameter
) -> None:
    """Pins: each hostile value converts to a finite value or is a click usage error (exit 2)."""
    ctx = click.Context(cli)
    for raw in HOSTILE:
        try:
            value = param.type.convert(raw, param, ctx)
        except click.BadParameter:
            continue  # a usage error: one line, exit 2
        if isinstance(value, float):
            assert math.isfinite(value), f"{name} accepted {raw[:20]!r} as {value}"


def _run(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NANOHEATER_CONFIG_DIR": "/nonexistent-nanoheater-test"}
    return subprocess.run(
        [sys.executable, "-m", "nanoheater", *args], capture_output=True, timeout=60, env=env
    )


def _assert_usage_line(result: subprocess.CompletedProcess[bytes]) -> None:
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
    assert lines, result.stderr
    assert lines[-1].startswith(("Error:", "nanoheater:")), lines


@pytest.mark.parametrize(
    "args",
    [
        ("thermostat", "127.0.0.1:1", "--target", "20", "--max-room", "nan"),
        ("thermostat", "127.0.0.1:1", "--target", "inf"),
        ("simulate", "--hours", "inf"),
        # Finite is not bounded: a trillion hours ran as long as infinity did.
        ("simulate", "--scenario", "cold-start", "--hours", "1e12"),
        ("simulate", "--scenario", "cold-start", "--hours", "9000", "--interval", "1"),
        ("status", "127.0.0.1:1", "--timeout", "nan"),
        ("status", "127.0.0.1:" + "9" * 5000),
        ("set", "127.0.0.1:1", "--level", "9" * 5000),
    ],
)
def test_hostile_values_end_in_one_usage_line(args: tuple[str, ...]) -> None:
    """Pins: end to end, each is exit 2 with one ``Error:`` line, no traceback."""
    _assert_usage_line(_run(*args))


@pytest.mark.parametrize(
    "host",
    [
        b"\xff\xfe-not-utf8",
        ("a" * 64 + ".example").encode(),
        "xn--zz\u00e9.local".encode(),
        b"a..b",
    ],
)
def test_hosts_that_cannot_be_encoded_are_one_line(host: bytes) -> None:
    """Pins: a host name IDNA or UTF-8 cannot encode is a one-line error, never a traceback."""
    result = _run(b"status", host + b":1", b"--timeout", b"0.5")
    assert result.returncode in (2, 4), result.stderr
    assert b"Traceback" not in result.stderr
    assert len([ln for ln in result.stderr.splitlines() if ln.strip()]) <= 2
