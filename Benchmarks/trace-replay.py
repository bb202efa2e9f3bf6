#!/usr/bin/env python3
"""Trace replay at scale (docs/PERFORMANCE.md, issue 6's acceptance):

1. a 1-GiB-class synthetic binary trace (mksim trace synth), replayed on the model:
   wall time, records/s, memory operations/s, peak RSS of the mksim process;
2. the same kind of trace in the text form (smaller: 10 M records), replayed the same way
   (a scenario converts text to binary once at load, so this measures parsing + replay).

Usage: python3 Benchmarks/trace-replay.py [path/to/mksim] [scratch dir]
"""
import json, os, resource, subprocess, sys, time

mksim = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/mksim")
scratch = sys.argv[2] if len(sys.argv) > 2 else "/tmp/mksim-trace-bench"
os.makedirs(scratch, exist_ok=True)

def run(args):
    """Runs one command; returns (wall seconds, peak RSS MiB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.time()
    # A fresh process per measurement, so that ru_maxrss is this child's own peak.
    probe = [sys.executable, "-c",
             "import resource,subprocess,sys;r=subprocess.run(sys.argv[1:]);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,file=sys.stderr);sys.exit(r.returncode)"] + args
    p = subprocess.run(probe, capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{p.stdout}\n{p.stderr}")
    rss_kib = int(p.stderr.strip().splitlines()[-1])
    return wall, rss_kib / 1024

def scenario(trace, name):
    path = os.path.join(scratch, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"""mksim: 1
name: {name}
machine: {{preset: xeon-gold-6242-2s}}
kernels: [{{name: a, cpus: socket0}}]
workloads: [{{name: w, on: a, trace: {{path: {trace}}}}}]
""")
    return path

def replay(trace, name):
    out = os.path.join(scratch, name + "-out")
    wall, rss = run([mksim, "run", scenario(trace, name), "--out", out])
    r = json.load(open(os.path.join(out, "result.json")))
    records = r["traces"]["w"]["records"]
    accesses = r["coherence"]["accesses"]
    return wall, rss, records, accesses

big = os.path.join(scratch, "big.mktrace")
if not os.path.exists(big):
    wall, _ = run([mksim, "trace", "synth", big, "--threads", "4", "--records", "80000000", "--private-kib", "1024"])
    print(f"synth: {os.path.getsize(big) / 2**30:.2f} GiB in {wall:.0f} s")
size = os.path.getsize(big)
wall, rss, records, accesses = replay(big, "binary")
print(f"binary {size / 2**30:.2f} GiB: {records / 1e6:.0f} M records in {wall:.0f} s = {records / wall / 1e6:.2f} M records/s, "
      f"{accesses / wall / 1e6:.2f} M memory operations/s, peak RSS {rss:.0f} MiB")

small = os.path.join(scratch, "small.mktrace")
text = os.path.join(scratch, "small.txt")
if not os.path.exists(text):
    run([mksim, "trace", "synth", small, "--threads", "4", "--records", "2500000", "--private-kib", "1024"])
    run([mksim, "trace", "convert", small, text, "--to", "text"])
for label, path in [("binary", small), ("text", text)]:
    wall, rss, records, accesses = replay(path, "small-" + label)
    print(f"{label} {os.path.getsize(path) / 2**20:.0f} MiB: {records / 1e6:.0f} M records in {wall:.1f} s = "
          f"{records / wall / 1e6:.2f} M records/s, {accesses / wall / 1e6:.2f} M memory operations/s, peak RSS {rss:.0f} MiB")
