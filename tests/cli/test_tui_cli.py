"""``nanoheater`` with no command: the TUI's options are accepted and reach ``nanoheater tui``."""

from __future__ import annotations

import asyncio
import fcntl
import io
import logging
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from nanoheater.cli import cli
from nanoheater.cli.output import logs_to_file


def _resolve(*args: str) -> tuple[str, dict[str, object]]:
    """The subcommand the group runs for ``args`` and the parameters it parses (nothing runs).

    ``_protected_args`` holds the subcommand name in Click 8.2+ (the public name is deprecated).
    """
    ctx = cli.make_context("nanoheater", list(args))
    name, command, rest = cli.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
    assert name is not None
    assert command is not None
    sub = command.make_context(name, rest, parent=ctx)
    return name, sub.params


def test_bare_host_option_opens_the_tui_on_that_host() -> None:
    """Pins that ``nanoheater --host H:P --no-mdns`` runs the TUI with that host and flag."""
    name, params = _resolve("-v", "--host", "127.0.0.2:4028", "--no-mdns", "--exit-level", "off")
    assert name == "tui"
    assert params["hosts"] == ("127.0.0.2:4028",)
    assert params["no_mdns"] is True
    assert params["exit_level"] == "off"


def test_subcommands_are_not_rerouted() -> None:
    """Pins that a named subcommand still gets its own arguments."""
    name, params = _resolve("status", "127.0.0.2:4028")
    assert name == "status"
    assert params["targets"] == ("127.0.0.2:4028",)


def test_bare_tui_option_errors_name_the_option() -> None:
    """Pins that a bad --host or --poll given to bare ``nanoheater`` is the TUI's usage error."""
    runner = CliRunner()
    result = runner.invoke(cli, ["--host", "127.0.0.2:notaport"])
    assert result.exit_code == 2
    assert "Invalid value for --host" in result.output
    result = runner.invoke(cli, ["-v", "--poll", "0.01"])
    assert result.exit_code == 2
    assert "--poll" in result.output
    assert "No such option" not in result.output


def test_group_help_version_and_unknown_commands_still_work() -> None:
    """Pins that --help, --version and an unknown command behave as before."""
    runner = CliRunner()
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Commands:" in result.output
    assert "--host" in result.output, "the help says TUI options are accepted"
    assert runner.invoke(cli, ["--version"]).exit_code == 0
    result = runner.invoke(cli, ["nosuch"])
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert isinstance(cli, click.Group)


def test_bad_exit_level_stops_the_tui_before_it_starts() -> None:
    """A typo in --exit-level is one usage line and exit 2 at start-up, not a surprise at quit."""
    runner = CliRunner()
    result = runner.invoke(cli, ["tui", "--no-mdns", "--exit-level", "turbo"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "nanoheater: --exit-level 'turbo' is not a level: give lowest, off or a mode "
        "(Low, Mid, High, Night, Heating Eco, Heating Super, Mining, Eco, Standard, Super)"
    ]


def test_tui_host_option_takes_bracketed_ipv6() -> None:
    """``tui --host [::1]:4028`` kept the brackets ("Name or service not known"); now it is ::1."""
    from nanoheater.cli.tui import initial_heaters

    (heater,) = initial_heaters(("[::1]:4028",))
    assert (heater.host, heater.port) == ("::1", 4028)
    assert heater.identity == "[::1]:4028"


def test_tui_host_option_refuses_a_serial_path_as_usage() -> None:
    """Pins that a serial path given to the TUI is a usage error naming --host (exit 2)."""
    result = CliRunner().invoke(cli, ["tui", "--host", "/dev/ttyUSB0", "--no-mdns"])
    assert result.exit_code == 2
    assert "serial link" in result.output


@pytest.mark.parametrize("command", ["tui", "demo"])
async def test_full_screen_commands_refuse_without_a_terminal(command: str) -> None:
    """Without a terminal the TUI and the demo say so in one line (exit 2) instead of spinning."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nanoheater", command, *(["--no-mdns"] if command == "tui" else []),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=os.environ.copy(),
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 2
    assert out == b""
    assert err.decode().splitlines() == [
        f"nanoheater: the {'TUI' if command == 'tui' else 'demo'} needs a terminal on stdin and "
        "stdout; for scripts use status, watch or thermostat"
    ]


def test_log_records_go_to_the_log_file_while_a_screen_owns_the_terminal(tmp_path: Path) -> None:
    """A library warning during the TUI lands in the log file, never raw on the terminal."""
    terminal = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [logging.StreamHandler(terminal)]
    try:
        with logs_to_file(tmp_path / "data" / "tui.log"):
            logging.getLogger("nanoheater.controller.regulator").warning("status failed: boom")
        assert terminal.getvalue() == ""
        assert (
            "WARNING nanoheater.controller.regulator: status failed: boom"
            in (tmp_path / "data" / "tui.log").read_text()
        )
        logging.getLogger("nanoheater.x").warning("after")
        assert "after" in terminal.getvalue(), "the terminal handler is back after the screen"
    finally:
        root.handlers = saved


def on_a_terminal(args: list[str], tmp_path: Path, ready: Callable[[bytes], bool]) -> str:
    """Run ``nanoheater ARGS`` on a pseudo-terminal (80x24); press q once ``ready(output)``.

    Returns everything it wrote to the terminal, decoded. Its config, data and temporary
    folders are the test's own.
    """
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = os.environ | {
        "TERM": "xterm-256color",
        "TMPDIR": str(tmp_path),
        "NANOHEATER_CONFIG_DIR": str(tmp_path / "config"),
        "NANOHEATER_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoheater", *args],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 90
    try:
        quit_sent = False
        while time.monotonic() < deadline:
            ready_to_read, _, _ = select.select([primary], [], [], 0.2)
            if ready_to_read:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not quit_sent and ready(seen):
                os.write(primary, b"q")
                quit_sent = True
        assert quit_sent, seen[-2000:]
        assert proc.wait(timeout=30) == 0, seen[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(primary)
    return seen.decode(errors="replace")


def after_the_screen(text: str) -> list[str]:
    """The non-empty lines written after the full screen closed, without terminal controls."""
    after = text.rsplit("\x1b[?1049l", 1)[-1]
    after = re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z]", "", after)  # the modes it restores
    return [line.strip() for line in after.splitlines() if line.strip()]


def test_the_demo_in_a_terminal_prints_its_quit_summary_after_the_screen(tmp_path: Path) -> None:
    """``nanoheater demo`` on a real pseudo-terminal: q closes the screen, then one exit line each.

    What the README shows after quitting the demo, from the command itself (the Pilot tests
    drive the app, not the command's echo). q is pressed once all five devices answered.
    """
    text = on_a_terminal(["demo", "--port", "40790"], tmp_path, lambda seen: b"5 online" in seen)
    lines = after_the_screen(text)
    assert len(lines) == 5, lines
    for line in lines:
        assert re.fullmatch(
            r"exit: Avalon .+ \(127\.0\.0\.\d:40790\): not touched \(manual control\): \w+, \d+ W",
            line,
        ), line
    assert "Traceback" not in text


def test_a_warning_during_the_tui_goes_to_its_log_not_over_the_screen(tmp_path: Path) -> None:
    """A library warning while ``nanoheater tui`` runs lands in tui.log, never on the terminal.

    A configured host that does not answer makes discovery log a WARNING mid-session; before,
    such lines were drawn raw over the title row. q is pressed once the log has it.
    """
    log = tmp_path / "data" / "tui.log"

    def logged(seen: bytes) -> bool:  # in the log, or (the bug) on the terminal
        in_log = log.exists() and "configured host did not answer" in log.read_text()
        return in_log or b"did not answer" in seen

    text = on_a_terminal(
        ["tui", "--embedded", "--no-mdns", "--host", "127.0.0.1:9"], tmp_path, logged
    )
    assert "WARNING" not in text
    assert "did not answer" not in text
    assert "WARNING nanoheater.discovery" in log.read_text()
    assert after_the_screen(text) == ["exit: 127.0.0.1:9 (127.0.0.1:9): not touched (offline)"]
