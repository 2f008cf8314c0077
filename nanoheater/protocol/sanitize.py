"""Provides ``sanitize``: makes a device-supplied string safe to print in a terminal or a TUI.

Everything a heater sends (product names, pool URLs, firmware strings, ``Msg`` texts, mDNS TXT
values) is untrusted: a hostile or broken device could embed ANSI escape sequences that move the
cursor, rewrite the screen or set the window title. The CLI, discovery and the TUI all pass such
strings through here before printing them.
"""

from __future__ import annotations

import logging
import re
import unicodedata

MAX_TEXT_CHARS = 200
"""Longest device string we print; longer ones are cut and end with an ellipsis."""

# CSI / OSC / other ESC sequences are removed whole so no printable tail of them survives.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)


def sanitize(value: object, max_chars: int = MAX_TEXT_CHARS) -> str:
    r"""Return ``value`` as printable text: no escape sequences or control characters, capped.

    Bytes are decoded as UTF-8 with replacement; tabs, newlines and Unicode separators become
    spaces; other control, format (bidi overrides), private-use and unassigned characters are
    dropped.

    >>> sanitize("Avalon\x1b[31m Q\x07")
    'Avalon Q'
    """
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    if text.isprintable() and len(text) <= max_chars:
        return text.strip()  # nothing to remove: no control, format or separator characters
    text = _ESCAPES.sub("", text)
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r" or category in ("Zl", "Zp", "Zs"):
            out.append(" ")  # U+2028 and friends break lines in some terminals
        elif category[0] == "C":  # control, format (bidi), surrogate, private, unassigned
            continue
        else:
            out.append(char)
    cleaned = "".join(out).strip()
    if len(cleaned) > max_chars:
        cleaned = cleaned[: max(max_chars - 1, 0)] + "…"
    return cleaned


def sanitize_optional(value: object, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Like ``sanitize`` but keeps None (and turns an empty result into None)."""
    if value is None:
        return None
    cleaned = sanitize(value, max_chars)
    return cleaned or None


MAX_LOG_CHARS = 2000
"""Longest log line written; a record longer than this (a huge traceback) is cut."""


class SafeFormatter(logging.Formatter):
    """A log formatter whose every line is sanitised: one line, no escapes, capped.

    Log records carry network text (an mDNS instance name inside zeroconf's exception, a
    device's message, a sensor's reply); an escape sequence in one once set the terminal title
    while the TUI ran (issue 14). Sanitising here, at the one place every record passes through,
    covers records of third-party libraries too; a traceback becomes one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format as usual, then sanitise the whole text (newlines become spaces)."""
        return sanitize(super().format(record), MAX_LOG_CHARS)
