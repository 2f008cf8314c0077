"""Provides ``diff_fixture``: the simulated model against a field capture, field by field.

It builds the captured model in virtual time, lets it run an hour, puts it in the captured mode
(``WORKMODE``/``WORKLEVEL`` and soft off from the captured blob, the captured number of pools),
lets it settle another hour, then sends it every request of the capture and compares the two
replies field by field: sections, records and keys (missing or extra), the printed format of
each value (integer or real, digits after the point, ``0E-8``, padding and units inside status
blobs) and the value itself. Format and key differences are fidelity gaps to fix in the
simulator; value differences are expected (another unit, another hour) and listed for reading.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.profile import known_models
from firmware_sim.replay import Captured, Fixture

SETTLE_S = 3600.0
"""Simulated seconds the model runs before, and again after, taking the captured mode."""
KINDS = ("missing", "extra", "format", "value")
"""Difference kinds, most serious first."""
_RECORD_SPLIT = re.compile(r"(?<!\\)\|")
_FIELD_SPLIT = re.compile(r"(?<!\\),")


class _Real(str):
    """A JSON real as printed."""


class _Int(str):
    """A JSON integer as printed."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One field that differs between the capture and the simulator."""

    request: str
    field: str
    kind: str
    """missing (capture only), extra (simulator only), format, or value."""
    capture: str | None
    """The value as the capture printed it (None: the capture has no such field)."""
    sim: str | None
    capture_format: str | None = None
    """For format, missing and extra: the printed shape (``int``, ``real.2``, ``N.##%``...)."""
    sim_format: str | None = None


def diff_fixture(fixture: Fixture) -> list[Difference]:
    """Every field whose presence, format or value differs, per captured request, in order.

    Raises:
        ValueError: the capture's model is not one the simulator has.
    """
    if fixture.model not in known_models():
        raise ValueError(f"the simulator has no model {fixture.model!r}")
    heater = _captured_mode(create_heater(fixture.model), fixture)
    out: list[Difference] = []
    for ex in fixture.exchanges:
        if not ex.reply:
            continue  # the device did not answer: nothing to compare
        label = ex.request.decode("utf-8", errors="replace")
        want = flatten(ex.reply, ex.is_json)
        got = flatten(heater.handle(ex.request), ex.is_json)
        out += compare(label, want, got)
    return out


def compare(label: str, want: dict[str, str], got: dict[str, str]) -> list[Difference]:
    """The differences between two flattened replies (capture first)."""
    found = []
    for path, value in want.items():
        other = got.get(path)
        if other is None:
            found.append(Difference(label, path, "missing", _text(value), None, shape(value)))
        elif shape(value) != shape(other):
            found.append(
                Difference(
                    label, path, "format", _text(value), _text(other), shape(value), shape(other)
                )
            )
        elif value != other:
            found.append(Difference(label, path, "value", _text(value), _text(other)))
    found += [
        Difference(label, p, "extra", None, _text(v), None, shape(v))
        for p, v in got.items()
        if p not in want
    ]
    return found


def _text(value: str) -> str:
    """A flattened value as printed (without its type tag)."""
    return value.partition(":")[2]


def shape(value: str) -> str:
    """A printed value with its digits abstracted: type, decimals, padding and units remain."""
    if value.startswith(("int:", "real:")):
        kind, _, text = value.partition(":")
        if kind == "int":
            return "int"
        return text if "E" in text or "e" in text else f"real.{len(text.partition('.')[2])}"
    if value.startswith("str:"):
        value = value[4:]
    elif value.startswith(("bool:", "null:")):
        return value.partition(":")[0]
    abstracted = re.sub(r"\d+\.(\d+)", lambda m: "N." + "#" * len(m.group(1)), value)
    abstracted = re.sub(r"\d+", "N", abstracted)
    return abstracted if re.fullmatch(r"[-N.#%\s:]*", abstracted) else "text"


def flatten(reply: bytes, is_json: bool) -> dict[str, str]:
    """``path -> typed printed value`` for one reply; blobs are expanded key by key."""
    text = reply.removesuffix(b"\x00").decode("utf-8", errors="replace")
    out: dict[str, str] = {}
    if is_json and text.startswith("{"):
        try:
            doc = json.loads(text, parse_float=_Real, parse_int=_Int)
        except (ValueError, RecursionError):
            return {"(reply)": "str:" + text}
        _walk(doc, "", out)
        return out
    for r, record in enumerate(p for p in _RECORD_SPLIT.split(text) if p):
        for f, item in enumerate(_FIELD_SPLIT.split(record)):
            key, sep, value = item.partition("=")
            if not sep:
                key, value = f"#{f}", item
            _leaf(f"{r}.{key}", value, out)
    return out


def _walk(node: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(value, f"{path}.{key}" if path else key, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{path}[{i}]", out)
    elif isinstance(node, _Int):
        out[path] = "int:" + node
    elif isinstance(node, _Real):
        out[path] = "real:" + node
    elif isinstance(node, bool):
        out[path] = f"bool:{node}"
    elif node is None:
        out[path] = "null:"
    else:
        _leaf(path, str(node), out)


def _leaf(path: str, value: str, out: dict[str, str]) -> None:
    name = path.rsplit(".", 1)[-1]
    if name.startswith("MM ID") or name == "HBinfo":
        inner = value
        if inner.startswith("'") and "{" in inner:
            inner = inner[inner.index("{") + 1 : inner.rindex("}") if "}" in inner else None]
        seen: dict[str, int] = {}
        for key, item in blob_items(inner):
            seen[key] = seen.get(key, 0) + 1
            suffix = f"#{seen[key]}" if seen[key] > 1 else ""
            out[f"{path}.{key}{suffix}"] = "str:" + item
        if seen:
            return
    out[path] = "str:" + value


def blob_items(blob: str) -> list[tuple[str, str]]:
    """``KEY[value]`` pairs of a status blob, in order; one pass (a fixture is untrusted input).

    A lazy regex here would rescan a bracket-free blob from every position (quadratic).
    """
    items: list[tuple[str, str]] = []
    pos = 0
    while True:
        open_at = blob.find("[", pos)
        if open_at < 0:
            return items
        close_at = blob.find("]", open_at + 1)
        if close_at < 0:
            return items
        key = blob[pos:open_at].strip()
        if key and "]" not in key:
            items.append((key, blob[open_at + 1 : close_at]))
        pos = close_at + 1


def _captured_mode(heater: SimulatedHeater, fixture: Fixture) -> SimulatedHeater:
    clock = heater.world.clock
    if not isinstance(clock, VirtualClock):  # pragma: no cover - create_heater's own clock
        raise TypeError("diff needs a heater on a virtual clock")
    clock.advance(SETTLE_S)
    blob = _captured_blob(fixture.exchanges)
    pools = _captured_pool_count(fixture.exchanges)
    if pools is not None and 0 < pools < len(heater.state.pools):
        del heater.state.pools[pools:]
    mode, level = _int(blob.get("WORKMODE")), _int(blob.get("WORKLEVEL"))
    options = heater.profile.ascset_options
    if heater.profile.family == "MM318" and level is not None:
        _ascset(heater, f"0,worklevel,set,{level}")
    elif mode is not None and level is not None and "work_mode_lvl" in options:
        _ascset(heater, f"0,work_mode_lvl,set,{mode},{level}")
    elif mode is not None:
        _ascset(heater, f"0,workmode,set,{mode}")
    # A soft-off unit prints SoftOFF[4] (the Q's standby, STATE[2]); any non-zero value is off.
    if (_int(blob.get("SoftOFF")) or 0) != 0 and "softoff" in options:
        _ascset(heater, f"0,softoff,1:{int(heater.now()) + 1}")
    clock.advance(SETTLE_S)
    return heater


def _ascset(heater: SimulatedHeater, parameter: str) -> None:
    heater.handle(json.dumps({"command": "ascset", "parameter": parameter}).encode())


def _captured_blob(exchanges: tuple[Captured, ...]) -> dict[str, str]:
    for ex in exchanges:
        if ex.is_json and ex.command in ("estats", "stats", "litestats"):
            flat = flatten(ex.reply, True)
            blob = {p.rsplit(".", 1)[-1]: v[4:] for p, v in flat.items() if ".MM ID" in p}
            if blob:
                return blob
    return {}


def _captured_pool_count(exchanges: tuple[Captured, ...]) -> int | None:
    for ex in exchanges:
        if ex.is_json and ex.command == "pools":
            paths = flatten(ex.reply, True)
            return len({p.split("]")[0] for p in paths if p.startswith("POOLS[")})
    return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


__all__ = ["KINDS", "Difference", "blob_items", "compare", "diff_fixture", "flatten", "shape"]
