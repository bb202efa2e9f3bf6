import Foundation
import SimKernelModel
import SimMachine
import SimScenario

/// A lower-triangular matrix of one-way latencies between logical CPUs, in ns: the layout of
/// the published core-to-core files (row i holds CPUs 0..<i; every row has n cells).
public struct LatencyMatrix: Sendable {
    public let cpus: Int
    /// Row-major lower triangle: pair (i, j), j < i, at i(i-1)/2 + j. NaN where not measured.
    public private(set) var values: [Double]

    public init(cpus: Int) {
        self.cpus = cpus
        values = Array(repeating: .nan, count: cpus * (cpus - 1) / 2)
    }

    static func index(_ i: Int, _ j: Int) -> Int { let (a, b) = i > j ? (i, j) : (j, i); return a * (a - 1) / 2 + b }

    public subscript(i: Int, j: Int) -> Double {
        get { values[Self.index(i, j)] }
        set { values[Self.index(i, j)] = newValue }
    }

    /// Every pair (i, j) with j < i, row by row.
    public static func allPairs(_ n: Int) -> [(Int, Int)] { (1..<max(1, n)).flatMap { i in (0..<i).map { (i, $0) } } }

    // MARK: Files

    public func csv() -> String {
        var out = ""
        for i in 0..<cpus {
            var cells = Array(repeating: "", count: cpus)
            for j in 0..<i where !self[i, j].isNaN { cells[j] = JSONValue.format(self[i, j], decimals: 3) }
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Reads a matrix in the published layout; nil if the text is not one.
    public static func parse(csv text: String) -> LatencyMatrix? {
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        guard rows.count >= 2 else { return nil }
        var m = LatencyMatrix(cpus: rows.count)
        for (i, row) in rows.enumerated() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            for j in 0..<min(i, cells.count) {
                let c = cells[j].trimmingCharacters(in: .whitespaces)
                if c.isEmpty { continue }
                guard let v = Double(c) else { return nil }
                m[i, j] = v
            }
        }
        return m
    }

    /// A heatmap of the full (mirrored) matrix as a self-contained SVG.
    public func svg(title: String) -> String {
        let finite = values.filter { !$0.isNaN }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let cell = cpus <= 64 ? 8 : cpus <= 128 ? 5 : 3
        let margin = 40, size = cpus * cell
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(size + margin + 120)" height="\(size + margin + 20)" font-family="sans-serif" font-size="11">
        <text x="\(margin)" y="14">\(title)</text>

        """
        for i in 0..<cpus {
            for j in 0..<cpus where i != j {
                let v = self[i, j]
                if v.isNaN { continue }
                out += "<rect x=\"\(margin + j * cell)\" y=\"\(margin / 2 + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(Self.color((v - lo) / max(1e-9, hi - lo)))\"/>\n"
            }
        }
        // Legend.
        let lx = margin + size + 20
        for k in 0..<10 {
            let f = Double(9 - k) / 9
            out += "<rect x=\"\(lx)\" y=\"\(margin / 2 + k * 16)\" width=\"14\" height=\"16\" fill=\"\(Self.color(f))\"/>"
            out += "<text x=\"\(lx + 18)\" y=\"\(margin / 2 + k * 16 + 12)\">\(JSONValue.format(lo + f * (hi - lo), decimals: 1)) ns</text>\n"
        }
        out += "<text x=\"\(margin)\" y=\"\(margin / 2 + size + 14)\">CPU (column) to CPU (row), one-way latency</text>\n</svg>\n"
        return out
    }

    /// Dark blue (near) to yellow (far).
    static func color(_ f: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(1, max(0, f)) * Double(stops.count - 1)
        let k = min(stops.count - 2, Int(x))
        let t = x - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

/// How a simulated matrix compares with a published one.
public struct MatrixComparison: Sendable {
    /// Pairs at one distance; within a socket, per socket (sockets are not always alike).
    public struct GroupKey: Hashable, Comparable, Sendable {
        public var distance: Distance
        public var socket: Int?
        public var name: String { socket.map { "\(distance.name) s\($0)" } ?? distance.name }
        public static func < (a: Self, b: Self) -> Bool { (a.distance, a.socket ?? -1) < (b.distance, b.socket ?? -1) }
    }

    public struct Group: Sendable {
        public var key: GroupKey
        public var pairs: Int
        public var publishedMedian: Double
        public var simulatedMedian: Double
        public var medianError: Double
        public var withinTenPercent: Double
    }
    public var pairs: Int
    public var medianError: Double
    public var p90Error: Double
    public var p99Error: Double
    public var maxError: Double
    public var withinTenPercent: Double
    /// Pairs whose simulated latency is nearer another distance group's published median than its own.
    public var misgrouped: [(Int, Int)]
    public var groups: [Group]

    public init(simulated: LatencyMatrix, published: LatencyMatrix, topology: Topology) {
        var errors: [Double] = []
        var byGroup: [GroupKey: (pub: [Double], sim: [Double], err: [Double])] = [:]
        var pairsByGroup: [GroupKey: [(Int, Int)]] = [:]
        for (i, j) in LatencyMatrix.allPairs(min(simulated.cpus, published.cpus)) {
            let p = published[i, j], s = simulated[i, j]
            if p.isNaN || s.isNaN || p <= 0 { continue }
            let e = abs(s - p) / p
            errors.append(e)
            let distance = topology.distance(i, j)
            let d = GroupKey(distance: distance, socket: distance == .remote ? nil : topology.socket(of: i))
            byGroup[d, default: ([], [], [])].pub.append(p)
            byGroup[d, default: ([], [], [])].sim.append(s)
            byGroup[d, default: ([], [], [])].err.append(e)
            pairsByGroup[d, default: []].append((i, j))
        }
        func median(_ v: [Double]) -> Double { Self.quantile(v.sorted(), 0.5) }
        let publishedMedians = byGroup.mapValues { median($0.pub) }
        errors.sort()
        pairs = errors.count
        medianError = Self.quantile(errors, 0.5)
        p90Error = Self.quantile(errors, 0.9)
        p99Error = Self.quantile(errors, 0.99)
        maxError = errors.last ?? 0
        withinTenPercent = errors.isEmpty ? 0 : Double(errors.filter { $0 <= 0.10 }.count) / Double(errors.count)
        var wrong: [(Int, Int)] = []
        for (d, list) in pairsByGroup {
            // Near/far within what a pair could be: its own socket's groups and the remote group.
            let candidates = publishedMedians.filter { $0.key.socket == nil || $0.key.socket == d.socket || d.socket == nil }
            for (i, j) in list {
                let s = simulated[i, j]
                let own = abs(publishedMedians[d]! - s)
                if candidates.contains(where: { $0.key != d && abs($0.value - s) < own }) { wrong.append((i, j)) }
            }
        }
        misgrouped = wrong.sorted { $0 < $1 }
        groups = byGroup.keys.sorted().map { d in
            let g = byGroup[d]!
            return Group(key: d, pairs: g.err.count, publishedMedian: median(g.pub), simulatedMedian: median(g.sim),
                         medianError: median(g.err),
                         withinTenPercent: Double(g.err.filter { $0 <= 0.10 }.count) / Double(max(1, g.err.count)))
        }
    }

    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))]
    }
}

/// Runs a two-thread ping-pong workload of a scenario point on every CPU pair.
public enum CoreToCore {
    public struct MeasureError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One-way latency for `pairs` (default: every pair): half the median round trip of `workload`,
    /// pinned to each pair in turn.
    public static func measure(point: RunPoint, workload name: String, pairs: [(Int, Int)]? = nil, jobs: Int,
                               progress: (@Sendable (Int, Int) -> Void)? = nil) throws(MeasureError) -> LatencyMatrix {
        let config = point.scenario.config
        guard let w = config.workloads.firstIndex(where: { $0.name == name }) else {
            throw MeasureError(description: "the scenario has no workload named '\(name)'")
        }
        guard case .pingPong = config.workloads[w].generator, config.workloads[w].copies.count == 1 else {
            throw MeasureError(description: "workload '\(name)' must be a ping-pong placed on one kernel")
        }
        let kernel = config.kernels[config.workloads[w].copies[0].kernel]
        let n = config.machine.topology.cpuCount
        let list = pairs ?? LatencyMatrix.allPairs(n)
        let owned = Set(kernel.cpus)
        if let bad = list.first(where: { !owned.contains($0.0) || !owned.contains($0.1) }) {
            throw MeasureError(description: "CPUs \(bad.0) and \(bad.1) must both belong to kernel '\(kernel.name)', which runs '\(name)'")
        }
        let results: [Double] = parallelMap(list.count, jobs: jobs, progress: progress) { k in
            var c = config
            c.workloads = [config.workloads[w]]
            c.workloads[0].copies[0].pin = [list[k].0, list[k].1]
            guard var sim = try? Simulation(c) else { return .nan }
            return sim.run().workloads[0].latency.p50 / 2
        }
        var m = LatencyMatrix(cpus: n)
        for (k, pair) in list.enumerated() { m[pair.0, pair.1] = results[k] }
        return m
    }
}
