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

    /// A heatmap of the full (mirrored) matrix as a self-contained SVG, CPU numbers on both axes.
    public func svg(title: String) -> String {
        Heatmap(title: title, size: cpus, axisTitle: "CPU (column) to CPU (row), one-way latency") { i, j in
            i == j ? .nan : self[i, j]
        }.svg()
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
    /// `measured` is called with each pair's value as it is found (from the measuring threads).
    public static func measure(point: RunPoint, workload name: String, pairs: [(Int, Int)]? = nil, jobs: Int,
                               progress: (@Sendable (Int, Int) -> Void)? = nil,
                               measured: (@Sendable (Int, Int, Double) -> Void)? = nil) throws(MeasureError) -> LatencyMatrix {
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
            let oneWay = sim.run().workloads[0].latency.p50 / 2
            measured?(list[k].0, list[k].1, oneWay)
            return oneWay
        }
        var m = LatencyMatrix(cpus: n)
        for (k, pair) in list.enumerated() { m[pair.0, pair.1] = results[k] }
        return m
    }
}
