"""The public modules' ``__all__`` are pinned: a name added, removed or renamed is a decision.

Each name means one thing across the packages (``StoredDecision`` is a history row, ``Decision`` a
controller's choice; ``QuietHoursSettings`` the config section, ``QuietHours`` the controller's
window; ``RoomSample`` a room-fit point, ``Sample`` a stored reading).
"""

from __future__ import annotations

import importlib

import pytest

PINNED: dict[str, set[str]] = {
    "nanoheater.address": {"SERIAL_SCHEMES", "AddressKind", "DeviceAddress", "identity_key"},
    "nanoheater.client": {"SOFT_SWITCH_LEAD_S", "HeaterClient"},
    "nanoheater.capabilities": {
        "capabilities", "find_profile", "model_from_version", "product_name",
    },
    "nanoheater.exceptions": {
        "CalibratingError", "ConnectionFailed", "DeviceRefused", "DeviceTimeout",
        "NanoheaterError", "ProtocolError", "UnsupportedError", "UsageError",
    },
    "nanoheater.models": {
        "DiscoveredHeater", "DiscoverySource", "HeaterInfo", "HeaterState", "HeaterStatus",
        "ModelCapabilities", "ModelId", "Pool", "PowerProfile", "ValueRange",
    },
    "nanoheater.controller.build": {
        "SENSOR_MAX_AGE_S", "ZoneChoices", "build_regulator", "local_zone", "zone_sensor",
    },
}  # fmt: skip

CLASHES = {
    "Decision": "nanoheater.controller.decision",
    "StoredDecision": "nanoheater.history.records",
    "QuietHours": "nanoheater.controller.targets",
    "QuietHoursSettings": "nanoheater.config.models",
    "Sample": "nanoheater.history.records",
    "RoomSample": "nanoheater.controller.roomfit",
}
"""Names that once meant different things in different packages, and their one home now."""


@pytest.mark.parametrize("module", sorted(PINNED))
def test_public_module_exports_are_pinned(module: str) -> None:
    """``__all__`` is exactly the pinned set, and every name in it resolves."""
    loaded = importlib.import_module(module)
    assert set(loaded.__all__) == PINNED[module]
    for name in loaded.__all__:
        assert hasattr(loaded, name), name


def test_each_name_has_one_home() -> None:
    """A clashing name is defined in one module only (the others import it or use another)."""
    modules = [
        "nanoheater.controller.decision", "nanoheater.controller.targets",
        "nanoheater.controller.roomfit", "nanoheater.history.records", "nanoheater.config.models",
        "nanoheater.home.types", "nanoheater.tui.ledger",
    ]  # fmt: skip
    for name, home in CLASHES.items():
        defined = [
            m
            for m in modules
            if getattr(importlib.import_module(m), name, None) is not None
            and getattr(importlib.import_module(m), name).__module__ == m
        ]
        assert defined == [home], (name, defined)
