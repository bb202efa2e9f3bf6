#!/usr/bin/env python3
"""Reads an mksim --timeline file with Perfetto's own protos and checks it against the
run's result JSON. Prints one JSON object of what it counted; exits 1 on a failed check.

usage: check_timeline.py TRACE RESULT.json [FROM_NS TO_NS]
"""
import collections
import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

BEGIN, END, INSTANT, COUNTER = 1, 2, 3, 4


def main():
    trace_path, result_path = sys.argv[1], sys.argv[2]
    window = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else None
    trace = pb.Trace()
    trace.ParseFromString(open(trace_path, "rb").read())
    result = json.load(open(result_path))
    problems = []

    tracks, processes, events = {}, {}, []
    for i, p in enumerate(trace.packet):
        if p.HasField("track_descriptor"):
            d = p.track_descriptor
            tracks[d.uuid] = d
            if d.HasField("process"):
                processes[d.process.process_name] = d.uuid
        if p.HasField("track_event"):
            e = p.track_event
            if e.track_uuid not in tracks:
                problems.append(f"event on undescribed track {e.track_uuid}")
            events.append((p.timestamp, i, e))

    # Slices balance and nest on every track, in time order (file order among equal times).
    events.sort(key=lambda x: (x[0], x[1]))
    depth = collections.Counter()
    slices = collections.Counter()
    instants = collections.Counter()
    flows, terminating = [], []
    counters = {}
    for ts, _, e in events:
        if window and not (window[0] <= ts <= window[1]):
            problems.append(f"event at {ts} ns outside the window {window}")
        cat = e.categories[0] if e.categories else ""
        if e.type == BEGIN:
            depth[e.track_uuid] += 1
            slices[cat] += 1
        elif e.type == END:
            depth[e.track_uuid] -= 1
            if depth[e.track_uuid] < 0:
                problems.append(f"slice end without a begin on track {e.track_uuid} at {ts}")
                depth[e.track_uuid] = 0
        elif e.type == INSTANT:
            instants[cat] += 1
        elif e.type == COUNTER:
            counters[e.track_uuid] = e.counter_value
        flows += list(e.flow_ids)
        terminating += list(e.terminating_flow_ids)
    open_left = {t: d for t, d in depth.items() if d}
    if open_left:
        problems.append(f"slices left open: {open_left}")
    if len(set(flows)) != len(flows):
        problems.append("a flow id starts twice")
    if not set(terminating) <= set(flows):
        problems.append("a flow ends that never started")

    counted = {
        "slices": dict(slices), "instants": dict(instants), "flows": len(flows),
        "terminated_flows": len(terminating), "processes": sorted(processes),
        "cpu_tracks": sorted(d.name for d in tracks.values() if d.name.startswith("CPU ")),
    }
    if window is None:
        # Against the result's own counters (the whole run is in the trace).
        handled = sum(k["interrupts_handled"] for k in result["kernels"].values())
        if slices["irq"] != handled:
            problems.append(f"{slices['irq']} interrupt slices, the result handled {handled}")
        delivered = sum(d["delivered"] for ch in result["channels"].values() for d in ch.values())
        if instants["message"] != sum(d["sent"] + d["delivered"] for ch in result["channels"].values() for d in ch.values()):
            problems.append(f"{instants['message']} message instants, the result sent and delivered a different number")
        ipi_taken = result["apic"]["accounting"]["taken"]
        ipi_flows_ended = len(terminating) - delivered
        if ipi_flows_ended != ipi_taken:
            problems.append(f"{ipi_flows_ended} IPI arrows end in a handler, the result took {ipi_taken} IPIs")
        switches = sum(k["context_switches"] for k in result["kernels"].values())
        if slices["task"] < switches:
            problems.append(f"{slices['task']} task slices, fewer than the result's {switches} context switches")
        if sorted(processes) != sorted(result["kernels"]):
            problems.append(f"processes {sorted(processes)} are not the kernels {sorted(result['kernels'])}")
        in_ring = [d["in_ring"] for ch in result["channels"].values() for d in ch.values()]
        if sum(counters.values()) != sum(in_ring):
            problems.append(f"ring counters end at {sorted(counters.values())}, the result has {in_ring} in the rings")
    counted["problems"] = problems
    print(json.dumps(counted))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
