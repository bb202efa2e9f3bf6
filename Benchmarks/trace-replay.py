#!/usr/bin/env python3
"""Trace replay at scale (docs/PERFORMANCE.md, issues 6 and 18):

0. a 1-thread trace whose accesses all hit the L1d (16 KiB working set), replayed on the
   model, and the same address stream through pycachesim 0.3.1 (a cache-hierarchy
   simulator without timing or coherence, C backend, one batched `loadstore` call) with
   the preset's three levels, in the same sitting: memory operations/s of each; with
   `--callgrind`, mksim's instructions per memory operation (the difference of a 1 M- and
   a 3 M-record run, so that start-up cancels);
1. a 1-GiB-class synthetic binary trace (mksim trace synth), replayed on the model:
   wall time, records/s, memory operations/s, peak RSS of the mksim process;
2. the same kind of trace in the text form (smaller: 10 M records), replayed the same way
   (a scenario converts text to binary once at load, so this measures parsing + replay).

Usage: python3 Benchmarks/trace-replay.py [path/to/mksim] [scratch dir] [--callgrind] [--l1-only]
pycachesim: `make peers` installs it into .build-py (it needs python3-dev and gcc).
"""
import json, os, resource, subprocess, sys, time

flags = {a for a in sys.argv[1:] if a.startswith("--")}
args = [a for a in sys.argv[1:] if not a.startswith("--")]
mksim = os.path.abspath(args[0] if len(args) > 0 else ".build/release/mksim")
scratch = args[1] if len(args) > 1 else "/tmp/mksim-trace-bench"
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

def l1_resident():
    """Part 0: the L1-resident 1-thread trace on mksim and on pycachesim."""
    def synth(records):
        path = os.path.join(scratch, f"l1-{records}.mktrace")
        if not os.path.exists(path):
            run([mksim, "trace", "synth", path, "--threads", "1", "--records", str(records),
                 "--private-kib", "16", "--shared", "0"])
        return path
    trace = synth(10_000_000)
    for i in range(3):
        wall, rss, records, accesses = replay(trace, "l1")
        r = json.load(open(os.path.join(scratch, "l1-out", "result.json")))
        loop = r["host"]["wall_s"]
        print(f"mksim L1-resident 1 thread: {accesses / 1e6:.1f} M memory operations: {accesses / loop / 1e6:.2f} M/s "
              f"in the event loop ({loop:.2f} s), {accesses / wall / 1e6:.2f} M/s for the whole process ({wall:.2f} s); "
              f"{r['host']['events']} events, {r['host']['inline_operations']} operations inline")
        pycachesim_peer(trace)
    if "--callgrind" in flags:
        # valgrind 3.19 cannot read the DWARF of Swift release builds: a copy without it.
        stripped = os.path.join(scratch, "mksim-stripped")
        subprocess.run(["strip", "--strip-debug", mksim, "-o", stripped], check=True)
        counts = []
        for records in (1_000_000, 3_000_000):
            path = synth(records)
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", stripped, "run",
                                scenario(path, "cg"), "--json"], capture_output=True, text=True)
            refs = [l for l in p.stderr.splitlines() if "refs:" in l][0]
            counts.append((int(refs.split()[-1].replace(",", "")), json.loads(p.stdout)["coherence"]["accesses"]))
        (i1, a1), (i3, a3) = counts
        print(f"callgrind: {(i3 - i1) / (a3 - a1):.0f} instructions per memory operation "
              f"({i1:,} for {a1:,} accesses, {i3:,} for {a3:,})")

def pycachesim_peer(trace):
    """The same address stream through pycachesim, timed around its one loadstore call."""
    try:
        from cachesim import CacheSimulator, Cache, MainMemory
    except ImportError:
        print("pycachesim: not installed (make peers)")
        return
    text = trace + ".txt"
    if not os.path.exists(text):
        run([mksim, "trace", "convert", trace, text, "--to", "text"])
    stream = []
    with open(text) as f:
        for line in f:
            if line.startswith("load "):
                stream.append(((int(line.split()[1], 16),), ()))
            elif line.startswith(("store ", "modify ", "atomic ")):
                stream.append(((), (int(line.split()[1], 16),)))
    # xeon-gold-6242-2s: 32 KiB 8-way L1d, 1 MiB 16-way L2, 22 MiB 11-way LLC, 64-byte lines.
    memory = MainMemory()
    llc = Cache("L3", 22 * 1024 * 1024 // (64 * 11), 11, 64, "LRU")
    memory.load_to(llc)
    memory.store_from(llc)
    l2 = Cache("L2", 1024 * 1024 // (64 * 16), 16, 64, "LRU", store_to=llc, load_from=llc)
    l1 = Cache("L1", 32 * 1024 // (64 * 8), 8, 64, "LRU", store_to=l2, load_from=l2)
    sim = CacheSimulator(l1, memory)
    t = time.time()
    sim.loadstore(stream, length=8)
    wall = time.time() - t
    stats = l1.stats()
    print(f"pycachesim 0.3.1 same stream: {len(stream) / 1e6:.1f} M accesses in {wall:.2f} s = "
          f"{len(stream) / wall / 1e6:.2f} M/s (its loadstore call only; L1 loads {stats['LOAD_count']:,}, "
          f"stores {stats['STORE_count']:,}, misses {stats['MISS_count']:,})")

l1_resident()
if "--l1-only" in flags:
    sys.exit(0)

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
