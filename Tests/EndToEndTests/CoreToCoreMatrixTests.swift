import Foundation
import SimMachine
import SimReport
import SimScenario
import Testing

/// The simulated core-to-core matrix against each published one: per-pair median relative error
/// at most 10%, and every pair nearer its own distance group's published median than any other.
@Suite struct CoreToCoreMatrixTests {
    static func published(_ name: String) throws -> LatencyMatrix {
        let path = Repo.root.appendingPathComponent("../shared/data/calibration/core-to-core/\(name).csv").standardized.path
        return try #require(LatencyMatrix.parse(csv: try String(contentsOfFile: path, encoding: .utf8)))
    }

    static func compare(preset: String, pairs: ((Topology) -> [(Int, Int)])? = nil) throws -> MatrixComparison {
        let file = try ScenarioFile.load(path: Repo.path("scenarios/micro/ping-pong.yaml"))
        let point = try file.points(overrides: [("machine.preset", YNode.commandLine(preset)),
                                                ("workloads.ping.generate.iterations", YNode.commandLine("10"))])[0]
        let topology = point.scenario.config.machine.topology
        let simulated = try CoreToCore.measure(point: point, workload: "ping", pairs: pairs?(topology), jobs: 2)
        return MatrixComparison(simulated: simulated, published: try published(preset), topology: topology)
    }

    @Test(arguments: ["xeon-gold-6242-2s", "xeon-e5-2680v4-2s"])
    func everyPair(_ preset: String) throws {
        let c = try Self.compare(preset: preset)
        #expect(c.pairs == (preset == "xeon-gold-6242-2s" ? 2016 : 1540))
        #expect(c.medianError <= 0.10)
        #expect(c.misgrouped.isEmpty, "\(c.misgrouped.prefix(5))")
    }

    /// 32,640 pairs take ~25 s even in a release build: a fixed sample keeps the test fast
    /// (every SMT and same-CCX pair, and 1 in 41 of the others); `mksim c2c` runs them all.
    @Test func epycSample() throws {
        let c = try Self.compare(preset: "epyc-7742-2s") { t in
            LatencyMatrix.allPairs(t.cpuCount).enumerated().filter { k, p in
                [.smt, .cluster].contains(t.distance(p.0, p.1)) || k % 41 == 0
            }.map(\.element)
        }
        #expect(c.pairs > 1_600)
        #expect(c.groups.count == 9)  // smt, cluster, die, socket on each socket, and remote
        #expect(c.medianError <= 0.10)
        #expect(c.misgrouped.isEmpty, "\(c.misgrouped.prefix(5))")
    }

    @Test func matrixFilesRoundTrip() throws {
        var m = LatencyMatrix(cpus: 4)
        m[1, 0] = 7.5
        m[3, 2] = 141.25
        let text = m.csv()
        #expect(text.split(separator: "\n").first == ",,,")
        let back = try #require(LatencyMatrix.parse(csv: text))
        #expect(back[0, 1] == 7.5 && back[2, 3] == 141.25 && back[2, 1].isNaN)
        #expect(m.svg(title: "t").contains("<svg"))
        #expect(LatencyMatrix.parse(csv: "a,b\nc,d\n") == nil)
    }
}
