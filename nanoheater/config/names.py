"""Device names in config.toml ``[names]``: the one home of the names users give their heaters.

The TUI's ``n``, the service's rename (``PUT /api/v1/devices/{ref}/name``) and every reader
(the TUI, ``serve``, ``status``/``watch``) use this table. Entries are keyed ``host:port`` (port
explicit), as the TUI's fleet and the service key devices; renaming a device replaces an entry
the user wrote as plain ``host`` for it, so one device never has two names.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nanoheater.address import DeviceAddress
from nanoheater.config.files import update_config
from nanoheater.exceptions import UsageError


def names_device(text: object, address: str) -> bool:
    """Whether a config string (``host`` or ``host:port``) names the device at ``address``."""
    try:
        return str(DeviceAddress.parse_tcp(str(text))) == address
    except UsageError:
        return False


def with_name(names: Mapping[str, Any], address: str, name: str) -> dict[str, Any]:
    """``names`` with the device at ``address`` called ``name`` (empty: its entry removed).

    Every other spelling of the same device goes; other devices' entries are kept as written.
    """
    kept = {host: given for host, given in names.items() if not names_device(host, address)}
    if name:
        kept[address] = name
    return kept


def save_names(changes: Mapping[str, str], path: Path) -> Path:
    """Write ``changes`` (address to name, empty to remove) into ``path``'s ``[names]``.

    Atomic, and every other key of the file stays as the user wrote it (``update_config``);
    a file that cannot be read, or would not validate, is left as it was (``UsageError``).
    """

    def change(data: dict[str, Any]) -> None:
        old = data.get("names")
        names: dict[str, Any] = dict(old) if isinstance(old, dict) else {}
        for address, name in changes.items():
            names = with_name(names, address, name)
        if names:
            data["names"] = names
        else:
            data.pop("names", None)

    return update_config(change, path)


__all__ = ["names_device", "save_names", "with_name"]
