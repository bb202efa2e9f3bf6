import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/micro/ipi-latency.yaml and ipi-broadcast.yaml.
@Suite struct IPIMicroTests {
    static func results(_ file: String) throws -> [(RunPoint, RunOutcome)] {
        try ScenarioFile.load(path: Repo.path(file)).points().map { ($0, try Runner.run($0)) }
    }

    @Test func oneWayLatencyGrowsWithDistance() throws {
        var oneWay: [String: Double] = [:], hop: [String: Double] = [:]
        for (p, o) in try Self.results("scenarios/micro/ipi-latency.yaml") {
            oneWay[p.variant!] = o.result.ipiLatency.p50
            hop[p.variant!] = 2e9 / o.result.workloads[0].throughputPerSecond
        }
        // send 571 ns + delivery 1 us (same socket) / 1.4 us (other socket), as configured.
        #expect(abs(oneWay["socket"]! - 1571) < 20 && abs(oneWay["remote"]! - 1971) < 20, "\(oneWay)")
        #expect(oneWay["remote"]! > oneWay["socket"]! && oneWay["smt"]! <= oneWay["socket"]!)
        // A hop adds the handler's entry (300 ns) and work (100 ns) to the one-way latency.
        #expect(abs(hop["socket"]! - 1971) < 20 && abs(hop["remote"]! - 2371) < 20, "\(hop)")
    }

    @Test func clusterBroadcastBeatsAPhysicalLoop() throws {
        var cost: [String: [Int: Double]] = [:], writes: [String: [Int: UInt64]] = [:]
        for (p, o) in try Self.results("scenarios/micro/ipi-broadcast.yaml") {
            let n = Int(p.params.first { $0.key.hasSuffix(".targets") }!.value)!
            let rounds = o.result.workloads[0].ops
            cost[p.variant!, default: [:]][n] = o.result.workloads[0].latency.p50
            writes[p.variant!, default: [:]][n] = o.result.ipiSent / max(1, rounds)
        }
        let counts = [1, 4, 15, 31, 63]
        for v in ["physical", "cluster"] {
            for (a, b) in zip(counts, counts.dropFirst()) { #expect(cost[v]![b]! > cost[v]![a]!, "\(v) \(a) -> \(b)") }
        }
        // Physical mode writes the ICR once per CPU; x2APIC cluster mode once per cluster of
        // 16 logical IDs (8 cores × 2 threads of one socket): 4 for all 63 others.
        #expect(writes["physical"]![63] == 63 && writes["cluster"]![63] == 4 && writes["cluster"]![15] == 2)
        #expect(cost["cluster"]![31]! < cost["physical"]![31]! && cost["cluster"]![63]! < 0.5 * cost["physical"]![63]!)
        #expect(cost["physical"]![1] == cost["cluster"]![1])
    }
}
