#!/usr/bin/env python3
"""The IPI ring on mksim beside the peers of shared/peers, in one sitting.

Runs shared/peers/bench.py (SimPy, SimGrid, plain C heap) and then mksim's
scenarios/bench/ipi-ring.yaml at the same N and T, 1 warm-up + 3 runs each, and
prints one markdown table. mksim's rate is deliveries (workloads.ring.ops) per
second of its own event loop (host.wall_s), as the peers measure theirs.

Usage (from the repository root, after `make build` and the peers' build.sh):
  PEERS_BIN=.build/peers python3 Benchmarks/ipi-ring-vs-peers.py
  ... --no-peers    only mksim and the paired C/mksim runs
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "..", "shared", "peers")
MKSIM = os.path.join(ROOT, ".build", "release", "mksim")
CASES = [(64, "5ms", 5_000_000), (64, "500ms", 500_000_000), (1024, "0.5ms", 500_000), (1024, "50ms", 50_000_000)]


def mksim(n, t):
    cmd = [MKSIM, "run", os.path.join(ROOT, "scenarios/bench/ipi-ring.yaml"), "--json",
           "--set", f"machine.cores_per_socket={n}", "--set", f"duration={t}"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    r = json.loads(out)
    return r["workloads"]["ring"]["ops"], r["host"]["wall_s"]


def main():
    if "--no-peers" not in sys.argv:
        print("## peers (shared/peers/bench.py)\n", flush=True)
        subprocess.run([sys.executable, os.path.join(PEERS, "bench.py")], check=True)
    print("\n## mksim\n")
    print("| program | N | T (ns) | deliveries | in-program wall_s (median) | events/s (median, in-program) |")
    print("|---|---:|---:|---:|---:|---:|")
    for n, t, t_ns in CASES:
        mksim(n, t)  # warm-up
        runs = [mksim(n, t) for _ in range(3)]
        deliveries = runs[0][0]
        expected = n * (t_ns // 1100)
        if any(r[0] != expected for r in runs):
            raise SystemExit(f"mksim: deliveries {[r[0] for r in runs]} != expected {expected}")
        wall = statistics.median(r[1] for r in runs)
        print(f"| mksim | {n} | {t_ns} | {deliveries} | {wall:.4f} | {statistics.median(r[0] / r[1] for r in runs):,.0f} |", flush=True)
    paired()


def paired(pairs=7):
    """C heap and mksim alternately at the long T; median of per-pair ratios (noise-robust)."""
    peers_bin = os.environ.get("PEERS_BIN", os.path.join(os.path.expanduser("~"), ".cache", "mksim-peers"))
    print("\n## paired: C heap / mksim, alternating runs at the long T\n")
    print("| N | T (ns) | pairs | C events/s (median) | mksim events/s (median) | C / mksim (median of pairs) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, t, t_ns in CASES:
        if t_ns < 50_000_000:
            continue
        c_rates, m_rates, ratios = [], [], []
        for _ in range(pairs):
            out = subprocess.run([os.path.join(peers_bin, "ring_limit"), str(n), str(t_ns)], stdout=subprocess.PIPE, text=True).stdout
            c = float(out.strip().split("events_per_s=")[1])
            ops, wall = mksim(n, t)
            m = ops / wall
            c_rates.append(c); m_rates.append(m); ratios.append(c / m)
        print(f"| {n} | {t_ns} | {pairs} | {statistics.median(c_rates):,.0f} | {statistics.median(m_rates):,.0f} "
              f"| {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f}) |", flush=True)


if __name__ == "__main__":
    main()
