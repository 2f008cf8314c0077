"""The README's quit summaries, for the tests that check they are what the code prints."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_exit_lines(after: str) -> list[str]:
    """The ``exit:`` lines of the README's first code block after the text ``after``."""
    text = README.read_text(encoding="utf-8")
    assert after in text, f"README.md no longer says {after!r}"
    text = text.split(after, 1)[1]
    block = re.search(r"```\n(.*?)```", text, re.DOTALL)
    assert block is not None, f"no code block after {after!r} in README.md"
    lines = [line for line in block.group(1).splitlines() if line.startswith("exit: ")]
    assert lines, f"no exit: lines after {after!r} in README.md"
    return lines


def normalised(line: str) -> str:
    """A summary line without what differs between runs: loopback addresses and power read now.

    What the code says stays: names, levels, reasons, and the power a device settles to
    (``about N W``, the model's nominal figure).
    """
    line = re.sub(r"127\.0\.0\.\d+:\d+", "ADDR", line)
    return re.sub(r"(?<!about )\b\d+ W\b", "N W", line)
