import Foundation
import SimMachine
import SimReport
import SimScenario
import Testing

/// Acceptance of the foundation issue: the ping-pong scenario on xeon-gold-6242-2s gives one-way
/// latencies within 10% of the published medians for an SMT, a same-socket and a cross-socket pair.
@Suite struct PingPongCalibrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// Median one-way latency of the published matrix over pairs at `distance`.
    static func publishedMedian(_ file: String, topology: Topology, distance: Distance) throws -> Double {
        let url = root.appendingPathComponent("../shared/data/calibration/core-to-core/\(file)").standardized
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        var values: [Double] = []
        for (i, row) in rows.enumerated() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            for j in 0..<min(i, cells.count) {
                if let v = Double(cells[j]), topology.distance(i, j) == distance { values.append(v) }
            }
        }
        values.sort()
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    /// One-way latency from scenarios/micro/ping-pong.yaml with the pair pinned.
    static func simulatedOneWay(pair: (Int, Int), preset: String) throws -> Double {
        let file = try ScenarioFile.load(path: root.appendingPathComponent("scenarios/micro/ping-pong.yaml").path)
        let point = try file.points(overrides: [
            ("machine.preset", YNode.commandLine(preset)),
            ("workloads.ping.pin", YNode.commandLine("[\(pair.0), \(pair.1)]")),
        ])[0]
        // One operation is one round trip: two hand-offs.
        return try Runner.run(point).result.workloads[0].latency.p50 / 2
    }

    @Test(arguments: [(Distance.smt, (0, 32)), (.socket, (0, 5)), (.remote, (3, 20))])
    func xeonGold6242(distance: Distance, pair: (Int, Int)) throws {
        let m = MachinePresets.xeonGold6242
        #expect(m.topology.distance(pair.0, pair.1) == distance)
        let published = try Self.publishedMedian("xeon-gold-6242-2s.csv", topology: m.topology, distance: distance)
        let simulated = try Self.simulatedOneWay(pair: pair, preset: m.name)
        let error = abs(simulated - published) / published
        #expect(error <= 0.10, "\(distance.name): simulated \(simulated) ns vs published median \(published) ns")
    }
}
