"""CPU time per input: each hostile reply/blob shape at the reply cap against a benign one.

Prints one line per shape (CPU ms, ratio to a realistic body of the same size) and a JSON
summary; the worst reply figure is how long one device's reply can hold the event loop
(RELIABILITY.md, "CPU per input"). The suite's version is tests/reliability/test_cpu_per_input.py.

    python bench/cpu_per_input.py            # at MAX_REPLY_BYTES, best of 5 runs each
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nanoheater.const import MAX_REPLY_BYTES
from tests.reliability.cputime import (
    BLOB_SHAPES,
    REPLY_SHAPES,
    benign_blob,
    cpu_s,
    parse_blob_fully,
    parse_reply_fully,
    stats_reply,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=MAX_REPLY_BYTES, help="input size in bytes")
    args = parser.parse_args()
    size = args.size
    summary: dict[str, object] = {"size": size, "load": os.getloadavg()[0]}
    for kind, parse, benign_input, shapes in (
        ("blob", parse_blob_fully, benign_blob(size), BLOB_SHAPES),
        ("reply", parse_reply_fully, stats_reply(benign_blob(size - 120)), REPLY_SHAPES),
    ):
        benign = cpu_s(parse, benign_input, budget_s=0.5)
        print(f"{kind:5} {'benign':28} {benign * 1e3:8.1f} ms  1.00x")
        worst = ("benign", benign)
        for name, make in shapes.items():
            took = cpu_s(parse, make(size), budget_s=0.5)
            print(f"{kind:5} {name:28} {took * 1e3:8.1f} ms  {took / benign:4.2f}x")
            worst = max(worst, (name, took), key=lambda item: item[1])
        summary[kind] = {
            "benign_ms": round(benign * 1e3, 1),
            "worst": worst[0],
            "worst_ms": round(worst[1] * 1e3, 1),
            "ratio": round(worst[1] / benign, 2),
        }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
