"""Benchmark: loopback request latency of one simulated device (target: p50 <= 1 ms).

The simulator runs as ``firmware-sim serve`` in its own process, as a tester would run it; this
process sends sequential requests, one TCP connection each (connect, one write, read to EOF),
and reports latency percentiles per request kind: for each kind, ``--runs`` runs of
``--requests`` requests, each figure the median of the runs with min and max. Runs inside a
private network namespace, like every network benchmark.

    python bench/sim_latency.py [--model nano3s] [--requests 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

from harness import ensure_namespace, percentile, print_header, spread, verdict

REQUESTS = {
    "version": b'{"command":"version"}',
    "status join": b'{"command":"version+summary+estats+pools"}',
    "estats text": b"estats",
}


def one(host: str, port: int, request: bytes) -> float:
    """One exchange; return its latency in seconds."""
    start = time.perf_counter()
    with socket.create_connection((host, port)) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    elapsed = time.perf_counter() - start
    if not data.endswith(b"\x00"):
        raise RuntimeError(f"bad reply to {request!r}: {data[:80]!r}")
    return elapsed


def main() -> None:
    """Start one device, measure each request kind, print percentiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nano3s")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ensure_namespace(__file__, sys.argv[1:])
    print_header(f"simulator request latency, one {args.model}", args.runs)
    argv = [sys.executable, "-m", "firmware_sim", "serve", "--model", args.model, "--port", "0"]
    sim = subprocess.Popen([*argv, "--control-port", "0"], stdout=subprocess.PIPE, text=True)
    assert sim.stdout is not None
    host, port = "", 0
    for line in sim.stdout:
        if line.startswith("serving"):
            break
        if not line.startswith(("control", "mdns")):
            address, port_text = line.split()[1].rsplit(":", 1)
            host, port = address, int(port_text)
    try:
        worst_p50 = 0.0
        for name, request in REQUESTS.items():
            for _ in range(50):  # warm-up
                one(host, port, request)
            p50s, p99s = [], []
            for _ in range(args.runs):
                times = sorted(one(host, port, request) for _ in range(args.requests))
                p50s.append(percentile(times, 0.5) * 1000)
                p99s.append(percentile(times, 0.99) * 1000)
            worst_p50 = max(worst_p50, statistics.median(p50s))
            print(
                f"{name:<12} n={args.requests} x {args.runs}  p50 {spread(p50s, '{:.3f}')} ms"
                f"  p99 {spread(p99s, '{:.3f}')} ms"
            )
        print(f"worst median p50 {worst_p50:.3f} ms (target <= 1 ms: {verdict(worst_p50 <= 1.0)})")
    finally:
        sim.terminate()
        sim.wait(timeout=30)


if __name__ == "__main__":
    main()
