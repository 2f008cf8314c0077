"""Every log line carrying network text is sanitised, tracebacks included (issue 14).

An mDNS instance name with escape sequences reached stderr raw inside zeroconf's exception
text, and an OSC sequence set the terminal title while the TUI ran. The CLI's stderr handler
and the TUI's log file both use ``SafeFormatter``: one line, no escapes, whoever logged it.
"""

from __future__ import annotations

import subprocess
import sys

from tests.reliability.rigs import is_clean

SCRIPT = r"""
import logging
from nanoheater.cli.output import configure_logging
configure_logging(0)
try:
    raise OSError("bad name 'Avalon\x1b]0;pwned\x07 Q\x1b[2J.local.'")
except OSError as exc:
    logging.getLogger("zeroconf").warning("resolve \x9b31m%s", "x\x1bcy", exc_info=exc)
logging.getLogger("nanoheater.discovery").warning("name %s", "\u202eevil\r\x08")
"""


def test_third_party_records_with_escapes_and_tracebacks_are_one_clean_line_each() -> None:
    """Pins: two records in, two printable lines out, no escape, no bidi override, no title."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, timeout=60, check=True
    )
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 2, lines
    for line in lines:
        assert is_clean(line), repr(line)
        assert "pwned" not in line  # the OSC title sequence is removed whole
    assert "OSError" in lines[0]  # the traceback is still there, on one line


def test_the_services_journal_lines_are_sanitised_too() -> None:
    """Pins: ``serve``'s journald formatter keeps one line per record and drops escapes."""
    import logging

    from nanoheater.service.systemd import _JournalFormatter

    record = logging.LogRecord(
        "zeroconf", logging.WARNING, __file__, 1, "name %s", ("A\x1b]0;pwned\x07\nB\u202e",), None
    )
    for journal in (True, False):
        line = _JournalFormatter(journal).format(record)
        assert "\n" not in line
        assert "pwned" not in line
        assert "\x1b" not in line
        assert "\u202e" not in line
