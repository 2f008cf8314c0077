"""Click's own usage errors are one line on stderr and exit 2, as the README promises."""

from __future__ import annotations

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
