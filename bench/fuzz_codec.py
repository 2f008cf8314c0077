"""Long fuzz run of the codec, blob parser, wire-to-model step and sanitiser (issue 7).

Runs the hypothesis strategies of tests/reliability/fuzzing.py, seeded from the real captures,
for ``--cases`` examples per target (default 100,000 for the codec and the blob parser, a
quarter of that for value-level mutations and sanitize), and prints one line per target plus a
JSON summary. Exit status 1 if any oracle failed; hypothesis then prints the shrunk input.

    python bench/fuzz_codec.py            # >= 250,000 cases, a few minutes
    python bench/fuzz_codec.py --cases 2000
    python bench/fuzz_codec.py --cases 20000 --seed 1   # seeded: the same cases every run
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.reliability.fuzzing import (
    BLOBS,
    CAPTURES,
    check_blob,
    check_decode,
    check_model,
    check_sanitize,
    mutated_blobs,
    mutated_bodies,
    mutated_bytes,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="examples per main target")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (runs repeat)")
    args = parser.parse_args()
    counts: dict[str, int] = {}

    def counted(name: str, check: Callable[..., None]) -> Callable[..., None]:
        counts[name] = 0

        def run(value: object) -> None:
            counts[name] += 1
            check(value)

        return run

    def codec_and_model(data: bytes) -> None:
        body = check_decode(data)
        if body is not None:
            check_model(body)

    targets: list[tuple[str, st.SearchStrategy[object], Callable[..., None], int]] = [
        ("codec+model (mutated captures)", mutated_bytes(), codec_and_model, args.cases),
        ("blob parser (mutated MM ID0)", mutated_blobs(), check_blob, args.cases),
        ("model (value-level mutations)", mutated_bodies(), check_model, args.cases // 4),
        ("sanitize (any text or bytes)", st.text() | st.binary(), check_sanitize, args.cases // 4),
    ]
    print(f"seeds: {len(CAPTURES)} captures, {len(BLOBS)} MM ID0 strings")
    failed = []
    results = []
    for name, strategy, check, cases in targets:
        run = counted(name, check)
        test = settings(
            max_examples=cases,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
        )(seed(args.seed)(given(strategy)(run)))
        started = time.perf_counter()
        try:
            test()
            outcome = "ok"
        except Exception as exc:  # a failing oracle: hypothesis already printed the example
            outcome = f"FAILED: {type(exc).__name__}: {str(exc)[:300]}"
            failed.append(name)
        wall = time.perf_counter() - started
        print(f"{name:36} {counts[name]:>8} cases  {wall:7.1f} s  {outcome}", flush=True)
        results.append({"target": name, "cases": counts[name], "wall_s": round(wall, 1)})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(counts.values())
    print(
        json.dumps(
            {
                "total_cases": total,
                "failed": failed,
                "max_rss_mb": round(peak_mb, 1),
                "targets": results,
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
