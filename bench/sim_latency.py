"""Benchmark: loopback request latency of one simulated device (target: p50 <= 1 ms).

The simulator runs as ``firmware-sim serve`` in its own process, as a tester would run it; this
process sends sequential requests, one TCP connection each (connect, one write, read to EOF),
and reports latency percentiles per request kind.

    python bench/sim_latency.py [--model nano3s] [--requests 2000]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

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
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
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
            times = sorted(one(host, port, request) for _ in range(args.requests))
            p50, p90, p99 = (times[int(len(times) * q)] * 1000 for q in (0.5, 0.9, 0.99))
            worst_p50 = max(worst_p50, p50)
            print(
                f"{name:<12} n={len(times)}  p50 {p50:.3f} ms  p90 {p90:.3f} ms  p99 {p99:.3f} ms"
            )
        verdict = "PASS" if worst_p50 <= 1.0 else "FAIL"
        print(f"worst p50 {worst_p50:.3f} ms (target <= 1 ms: {verdict})")
    finally:
        sim.terminate()
        sim.wait(timeout=30)


if __name__ == "__main__":
    main()
