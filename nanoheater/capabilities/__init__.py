"""Provides the model registry: what each Avalon home miner can do, loaded from one JSON per model.

The registry is data (``<model>.json`` next to this file) so a new model or firmware is a file,
not code. It is written from the protocol and physics references, independently of the
simulator's profiles: the client must not learn its facts from the thing it is tested against.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from nanoheater.exceptions import UsageError
from nanoheater.models import ModelCapabilities, ModelId, PowerProfile

__all__ = ["capabilities", "find_profile", "model_from_version", "product_name"]


@cache
def _load(model: ModelId) -> tuple[ModelCapabilities, dict[str, str]]:
    text = resources.files(__package__).joinpath(f"{model.value}.json").read_text(encoding="utf-8")
    raw: dict[str, Any] = json.loads(text)
    aliases = {k.casefold(): v for k, v in raw.pop("aliases", {}).items()}
    raw.pop("_sources", None)
    return ModelCapabilities.model_validate(raw), aliases


def capabilities(model: ModelId | str) -> ModelCapabilities:
    """Return the capabilities of ``model`` (a ModelId or its short name such as "nano3s").

    Raises:
        UsageError: the model is not in the registry.

    >>> capabilities("nano3s").soft_off
    False
    """
    try:
        model_id = ModelId(str(model).strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in ModelId)
        raise UsageError(f"unknown model {model!r}; known: {known}") from None
    return _load(model_id)[0]


def find_profile(model: ModelId | str, name: str) -> PowerProfile:
    """Return the profile of ``model`` called ``name`` (case-insensitive) or by an alias ("med").

    Raises:
        UsageError: no profile matches; the message lists the valid names.
    """
    caps = capabilities(model)
    aliases = _load(caps.model)[1]
    wanted = name.strip().casefold()
    try:
        return caps.profile(aliases.get(wanted, wanted))
    except KeyError:
        pass
    names = ", ".join(p.name for p in caps.profiles)
    raise UsageError(f"{caps.display_name} has no mode {name!r}; choose one of: {names}")


def model_from_version(version: Mapping[str, Any]) -> ModelId | None:
    """Identify the model from a ``version`` reply's VERSION entry (PROD, MODEL, SWTYPE).

    MM318 firmware is the Nano 3 whatever its MODEL says; MM319 is told apart by MODEL/PROD.
    Returns None for an Avalon nanoheater has no registry entry for (an A10, say).

    >>> model_from_version({"PROD": "Avalon Nano3s", "MODEL": "Nano3s", "SWTYPE": "MM319"})
    <ModelId.NANO3S: 'nano3s'>
    """
    swtype = str(version.get("SWTYPE", "")).upper()
    if swtype.startswith("MM318"):
        return ModelId.NANO3
    candidates = (
        str(version.get("MODEL", "")).replace(" ", "").lower(),
        str(version.get("PROD", "")).replace(" ", "").lower().removeprefix("avalon"),
    )
    for name in candidates:
        if name == "nano3" and swtype.startswith("MM319"):
            continue  # a Nano 3S build that reports the family name; MODEL decides
        if name in _BY_NAME:
            return _BY_NAME[name]
    return None


_BY_NAME = {
    "nano3": ModelId.NANO3,
    "nano3s": ModelId.NANO3S,
    "mini3": ModelId.MINI3,
    "q": ModelId.Q,
}


def product_name(product: str, model: ModelId | None) -> str:
    """The product as people write it: the registry's name for a squashed product string.

    The Nano 3 reports PROD "Avalonnano"; discovery, the TUI and ``status`` say "Avalon Nano 3"
    (issue 12). Product strings with a space ("Avalon Nano3s", "Avalon Q") are kept as sent.
    """
    squashed = product.casefold().startswith("avalon") and " " not in product
    return capabilities(model).display_name if squashed and model is not None else product
