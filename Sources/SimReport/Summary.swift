import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// The terminal summary of one run: what a person reads at a glance.
public enum Summary {
    public static func text(point: RunPoint, result r: SimulationResult) -> String {
        let cfg = point.scenario.config
        let m = cfg.machine
        let t = m.topology
        var lines: [String] = []
        var title = point.scenario.name
        if let v = point.variant { title += "  variant=\(v)" }
        for p in point.params { title += "  \(p.key)=\(p.value)" }
        lines.append(title + "  seed=\(cfg.seed)")
        lines.append("machine \(m.name): \(t.sockets) sockets x \(t.coresPerSocket) cores x \(t.threadsPerCore) threads (\(t.cpuCount) CPUs), \(m.frequency); simulated \(r.simTime)")
        lines.append("")
        var table = [["kernel", "cpus", "util", "ctx-sw", "preempt", "migrations", "IPIs sent/recv", "lock waits p50 / p99 (contended)"]]
        for (k, kr) in r.kernels.enumerated() {
            let locks = kr.locks.filter { $0.acquisitions > 0 }.map { l in
                "\(l.name) \(ns(l.wait.p50)) / \(ns(l.wait.p99)) (\(pct(Double(l.contended) / Double(max(1, l.acquisitions)))))"
            }
            table.append([kr.name, "\(cfg.kernels[k].cpus.count)", pct(kr.utilization), count(kr.contextSwitches),
                          count(kr.preemptions), count(kr.migrations.reduce(0, +)),
                          "\(count(kr.ipiSent)) / \(count(kr.ipiReceived))", locks.isEmpty ? "-" : locks.joined(separator: ", ")])
        }
        lines += render(table)
        lines.append("")
        var wt = [["workload", "tasks", "ops", "throughput", "latency p50 / p99 / max", "wake-up p99"]]
        for w in r.workloads {
            wt.append([w.name, "\(w.tasks)", count(w.ops), rate(w.throughputPerSecond),
                       "\(ns(w.latency.p50)) / \(ns(w.latency.p99)) / \(ns(w.latency.max))",
                       w.wakeupLatency.count > 0 ? ns(w.wakeupLatency.p99) : "-"])
        }
        lines += render(wt)
        for w in r.workloads {
            guard let s = w.willItScale else { continue }
            lines.append("will-it-scale \(s.testcase) (\(s.mode)): total \(rate(w.throughputPerSecond)), per task min \(rate(s.perTaskMin)) / mean \(rate(s.perTaskMean)) / max \(rate(s.perTaskMax))")
        }
        lines.append("")
        lines.append("coherence transfers: " + r.transfers.all.filter {
            ($0.source != .cluster || t.coresPerCluster < t.coresPerSocket) && ($0.source != .die || t.coresPerDie < t.coresPerSocket)
        }
            .map { "\($0.source.name.replacingOccurrences(of: "_", with: " ")) \(count($0.count))" }.joined(separator: ", "))
        if !r.hotLines.isEmpty {
            var ht = [["hottest lines", "misses", "remote", "queued", "touched by CPUs"]]
            for h in r.hotLines {
                ht.append([h.name, count(h.misses), count(h.remoteTransfers), ns(h.queueWaitNs), CPURanges.format(h.touchedBy)])
            }
            lines += render(ht)
        }
        if !r.channels.isEmpty {
            lines.append("")
            var ct = [["channel", "direction", "sent", "delivered", "IPIs", "full stalls", "latency p50 / p99"]]
            for c in r.channels {
                ct.append([c.name, c.direction, count(c.sent), count(c.delivered), count(c.ipis), count(c.ringFullStalls),
                           "\(ns(c.latency.p50)) / \(ns(c.latency.p99))"])
            }
            lines += render(ct)
        }
        if !r.devices.isEmpty {
            lines.append("")
            var dt = [["device", "kernel", "cpu", "raised", "handled", "coalesced", "pending", "latency p50 / p99"]]
            for d in r.devices {
                dt.append([d.name, d.kernel, "\(d.cpu)", count(d.raised), count(d.handled), count(d.coalesced), count(d.pending),
                           "\(ns(d.latency.p50)) / \(ns(d.latency.p99))"])
            }
            lines += render(dt)
        }
        lines.append("")
        if let s = r.stalledAt {
            let waiting = r.tasks.filter { $0.waitsOn != nil }
            lines.append("stalled: from \(ns(s.nanoseconds)) on nothing could happen any more (\(waiting.count) task\(waiting.count == 1 ? "" : "s") wait for what cannot come); the run was ended there")
            for t in waiting.prefix(10) { lines.append("  \(t.workload)[\(t.index)] (kernel \(t.kernel)) waits on \(t.waitsOn!)") }
            if waiting.count > 10 { lines.append("  ... and \(waiting.count - 10) more (results: tasks.*.*.waits_on)") }
        }
        lines.append(String(format: "host: %.3f s wall, %@ events (%@ events/s), %@ operations inline", r.host.wallSeconds, count(r.host.events),
                            rate(r.host.eventsPerSecond, unit: ""), count(r.host.inlineOperations)))
        return lines.joined(separator: "\n")
    }

    /// One row per point, for a run over a sweep.
    /// One row per point: its sweep values, each workload's throughput and p99, remote
    /// transfers; from the results' JSON, so that resumed and merged sweeps print it too.
    public static func sweepTable(_ runs: [any PointResult]) -> String {
        guard let first = runs.first else { return "" }
        let keys = first.point.params.map(\.key)
        var header = ["variant"] + keys.map { $0.split(separator: ".").last.map(String.init) ?? $0 }
        var names: [String] = []
        for r in runs { for (w, _) in r.json["workloads"]?.objectPairs ?? [] where !names.contains(w) { names.append(w) } }
        for n in names { header += ["\(n) throughput", "\(n) p99"] }
        header += ["remote transfers"]
        var rows = [header]
        for r in runs {
            var row = [r.point.variant ?? "-"] + r.point.params.map(\.value)
            for n in names {
                if let w = r.json.at("workloads.\(n)"), let t = w["throughput_per_s"]?.doubleValue, let p99 = w.at("latency_ns.p99")?.doubleValue {
                    row += [rate(t), ns(p99)]
                } else {
                    row += ["-", "-"]
                }
            }
            row.append(count(UInt64(r.json.at("coherence.transfers.remote")?.doubleValue ?? 0)))
            rows.append(row)
        }
        return render(rows).joined(separator: "\n")
    }

    static func render(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }

    static func count(_ n: UInt64) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(" ") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    /// A time in ns with three significant digits and a unit: "297 ns", "2.88 us".
    static func ns(_ x: Double) -> String {
        if x == 0 { return "0" }
        let (v, unit): (Double, String) = x < 1 ? (x * 1000, "ps") : x < 1e3 ? (x, "ns") : x < 1e6 ? (x / 1e3, "us")
            : x < 1e9 ? (x / 1e6, "ms") : (x / 1e9, "s")
        let digits = v >= 100 ? 0 : v >= 10 ? 1 : 2
        return String(format: "%.\(digits)f %@", v, unit)
    }

    static func rate(_ x: Double, unit: String = "/s") -> String {
        if x >= 1e9 { return String(format: "%.2f G%@", x / 1e9, unit) }
        if x >= 1e6 { return String(format: "%.2f M%@", x / 1e6, unit) }
        if x >= 1e3 { return String(format: "%.1f k%@", x / 1e3, unit) }
        return String(format: "%.0f %@", x, unit)
    }
}
