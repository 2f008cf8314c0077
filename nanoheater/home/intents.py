"""Provides Intents: what users asked for (targets and overrides), persisted atomically.

Every change is written at once with ``write_atomic`` to ``<data>/intents.json``, so a restart,
a crash or a power cut resumes it. A damaged file is kept aside (``.bad``) and the Home starts
with no intents rather than refusing to heat.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanoheater.atomic import write_atomic
from nanoheater.exceptions import UsageError
from nanoheater.home.types import Override, Target

log = logging.getLogger(__name__)

INTENTS_FILE = "intents.json"
VERSION = 1
MAX_INTENTS_BYTES = 4_000_000


@dataclass(slots=True)
class Intents:
    """Targets by zone, overrides by zone; device names only as an older release wrote them.

    Names live in config.toml ``[names]`` now (``nanoheater.config.names``); ``Home.start``
    moves any found here there, and a file without them is written without the key.
    """

    targets: dict[str, Target] = field(default_factory=dict)
    overrides: dict[str, Override] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "version": VERSION,
            "targets": {zone: t.to_json() for zone, t in self.targets.items()},
            "overrides": {zone: o.to_json() for zone, o in self.overrides.items()},
            **({"names": dict(self.names)} if self.names else {}),
        }

    def save(self, path: Path) -> None:
        """Replace ``path`` atomically."""
        text = json.dumps(self.to_json(), indent=1, sort_keys=True)
        write_atomic(path, text.encode())

    @classmethod
    def load(cls, path: Path) -> Intents:
        """Read ``path``; a missing file is no intents, a damaged one is moved aside."""
        try:
            if path.stat().st_size > MAX_INTENTS_BYTES:
                raise ValueError("too large")
            data = json.loads(path.read_text())
            return cls._parse(data)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, UsageError, TypeError, AttributeError) as exc:
            bad = path.with_suffix(".json.bad")
            try:
                path.replace(bad)
            except OSError:
                bad = path
            log.warning("intents file unreadable (%s); kept as %s, starting with none", exc, bad)
            return cls()

    @classmethod
    def peek(cls, path: Path) -> Intents:
        """Read ``path`` without touching it (a reader beside the service): none if unreadable."""
        try:
            if path.stat().st_size > MAX_INTENTS_BYTES:
                return cls()
            return cls._parse(json.loads(path.read_text()))
        except (OSError, ValueError, UsageError, TypeError, AttributeError, KeyError):
            return cls()

    @classmethod
    def _parse(cls, data: Any) -> Intents:
        if not isinstance(data, dict):
            raise ValueError("not an object")
        targets = {str(z): Target.from_json(t) for z, t in dict(data.get("targets", {})).items()}
        overrides: dict[str, Override] = {}
        for zone, raw in dict(data.get("overrides", {})).items():
            overrides[str(zone)] = Override(
                str(raw["device"]), str(raw["action"]), float(raw["until_s"])
            )
        names = {str(k): str(v) for k, v in dict(data.get("names", {})).items()}
        return cls(targets, overrides, names)
