"""The warnings policy: our own warnings fail the run, third-party ones are filtered by module."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pytest


def test_a_warning_from_our_code_is_an_error() -> None:
    """The ``error`` filter of pyproject still applies to nanoheater's own modules."""
    with pytest.raises(UserWarning):
        warnings.warn_explicit("ours", UserWarning, "nanoheater/x.py", 1, module="nanoheater.x")


def test_third_party_filters_are_scoped_by_module() -> None:
    """The same warning from asyncssh (pyasic's chain) is ignored, not raised."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.warn_explicit("theirs", UserWarning, "asyncssh/x.py", 1, module="asyncssh.x")
    assert seen == []


def test_pyasic_chain_imports_under_error_filter() -> None:
    """A fresh interpreter with ``-W error`` imports the peers as the tests do."""
    code = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("error")
        import tests.thirdparty
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
