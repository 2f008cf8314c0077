"""Shared fixtures and the guards that keep every test on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import netns

CAPTURES = Path(__file__).parent / "captures"


def pytest_configure(config: pytest.Config) -> None:
    """Move the whole run into a private network namespace before anything is collected."""
    if os.environ.get("NANOHEATER_NO_NETNS") == "1":
        return
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(netns.ENV_FLAG) == "1":
        reason = netns.enter_worker_namespace()
        if reason is not None:
            # Without its own namespace a worker could collide with another on a fixed port.
            raise pytest.UsageError(f"xdist worker cannot get a network namespace: {reason}")
        return
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None and os.environ.get(netns.ENV_FLAG) != "1":
        # The capture plugin has fd 1/2 redirected to temp files; restore them so the
        # re-executed run prints to the real terminal.
        capman.stop_global_capturing()
    reason = netns.reexec_in_namespace()
    if reason and capman is not None:
        capman.start_global_capturing()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip real-multicast tests unless the run is inside its own loopback-only namespace."""
    if os.environ.get(netns.ENV_FLAG) == "1" and netns.only_loopback():
        return
    reason = os.environ.get(netns.ENV_FLAG) or "not inside a private network namespace"
    skip = pytest.mark.skip(reason=f"mdns test needs a private network namespace ({reason})")
    for item in items:
        if "mdns" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point nanoheater's config and data folders at a per-test temporary folder."""
    monkeypatch.setenv("NANOHEATER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("NANOHEATER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path
