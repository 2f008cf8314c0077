"""The package root re-exports the client API with a sorted __all__ and no heavy imports."""

from __future__ import annotations

import subprocess
import sys

import nanoheater


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, every name resolves, and the client API is part of it."""
    assert nanoheater.__all__ == sorted(nanoheater.__all__)
    for name in nanoheater.__all__:
        assert getattr(nanoheater, name) is not None
    for name in (
        "HeaterClient",
        "CallableTransport",
        "TcpTransport",
        "SerialTransport",
        "sanitize",
    ):
        assert name in nanoheater.__all__


def test_importing_the_library_loads_neither_textual_nor_the_simulator() -> None:
    """A fresh interpreter importing nanoheater pulls in no textual and no firmware_sim."""
    probe = (
        "import sys, nanoheater, nanoheater.client, nanoheater.cli.device; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'firmware_sim'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
