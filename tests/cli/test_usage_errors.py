"""Click's own usage errors are one line on stderr and exit 2, as the README promises."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from nanoheater.cli import cli


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["thermostat"],
            "nanoheater: Missing argument 'HOSTS...' (see 'nanoheater thermostat -h')",
        ),
        (
            ["status", "--bogus"],
            "nanoheater: No such option '--bogus' (see 'nanoheater status -h')",
        ),
        (["nosuch"], "nanoheater: No such command 'nosuch' (see 'nanoheater -h')"),
        (
            ["watch", "127.0.0.1:1", "--interval", "0"],
            "nanoheater: Invalid value for '--interval': 0.0 is not in the range x>=0.1"
            " (see 'nanoheater watch -h')",
        ),
        (
            ["--host", "127.0.0.2:notaport"],
            "nanoheater: Invalid value for --host: bad port in '127.0.0.2:notaport'"
            " (see 'nanoheater tui -h')",
        ),
        (
            ["service", "nosuch"],
            "nanoheater: No such command 'nosuch' (see 'nanoheater service -h')",
        ),
    ],
)
def test_usage_errors_are_one_line(args: list[str], line: str) -> None:
    """Each is exactly one line on stderr naming what is wrong and where help is; exit 2."""
    result = CliRunner().invoke(cli, args, prog_name="nanoheater")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [line]


def _commands(group: click.Group, path: list[str]) -> list[list[str]]:
    found = [path]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += _commands(command, [*path, name])
        else:
            found.append([*path, name])
    return found


def test_no_help_text_says_none() -> None:
    """Every command's -h reads cleanly: an unbounded float option shows no ``[x<=None]``."""
    commands = _commands(cli, [])
    assert ["thermostat"] in commands
    for path in commands:
        result = CliRunner().invoke(cli, [*path, "-h"])
        assert result.exit_code == 0, (path, result.output)
        assert "None" not in result.output, (path, result.output)


def test_the_commands_without_json_are_the_ones_the_readme_names() -> None:
    """README: every command that prints results takes --json, all but these four."""
    lacking = set()
    for path in _commands(cli, []):
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), name)
            assert found is not None
            command = found
        leaf = bool(path) and not isinstance(command, click.Group)
        if leaf and not any("--json" in p.opts for p in command.params):
            lacking.add(" ".join(path))
    assert lacking == {"tui", "demo", "serve", "service install"}
