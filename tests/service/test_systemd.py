"""The systemd side: the unit ``service install --print`` shows, sd_notify, journald log lines."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from nanoheater.cli import cli
from nanoheater.service.systemd import journal_logging, notify, unit_text


def test_install_print_shows_a_notify_unit_running_serve() -> None:
    """--print writes nothing and shows a Type=notify unit whose ExecStart runs serve."""
    result = CliRunner().invoke(cli, ["service", "install", "--user", "--print", "--no-mdns"])
    assert result.exit_code == 0, result.output
    assert "Type=notify" in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("ExecStart="))
    assert line.endswith("serve --no-mdns")
    assert "WantedBy=default.target" in result.output
    assert "multi-user.target" in unit_text([], user=False)


def test_install_user_writes_the_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--user writes the unit under XDG_CONFIG_HOME and says how to start it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["service", "install", "--user"])
    assert result.exit_code == 0, result.output
    unit = tmp_path / "systemd" / "user" / "nanoheater.service"
    assert "ExecStart=" in unit.read_text()
    assert "systemctl --user enable --now nanoheater.service" in result.output


def test_notify_sends_a_datagram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """notify("READY=1") reaches $NOTIFY_SOCKET; without the variable it does nothing."""
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert notify("READY=1")
        assert sock.recv(100) == b"READY=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert not notify("READY=1")


def test_journal_lines_have_priority_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under journald every record is one line with its <priority> prefix and no colours."""
    monkeypatch.setenv("JOURNAL_STREAM", "8:1234")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        journal_logging(0)
        logging.getLogger("nanoheater.test").warning("two\nlines")
        logging.getLogger("nanoheater.test").debug("hidden")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capsys.readouterr().err
    assert err == "<4>WARNING nanoheater.test: two | lines\n"


def test_service_status_without_service_exits_4() -> None:
    """The service status command with nothing at the address is one line and exit 4."""
    result = CliRunner().invoke(cli, ["service", "status", "--api", "127.0.0.1:9"])
    assert result.exit_code == 4
    assert "no nanoheater service answers at 127.0.0.1:9" in result.output
