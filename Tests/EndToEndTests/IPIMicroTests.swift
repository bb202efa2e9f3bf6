import Foundation
import SimReport
import SimMachine
import SimScenario
import Testing

/// scenarios/micro/ipi-latency.yaml and ipi-broadcast.yaml.
@Suite struct IPIMicroTests {
    static func results(_ file: String, _ overrides: [(String, String)] = []) throws -> [(RunPoint, RunOutcome)] {
        try ScenarioFile.load(path: Repo.path(file)).points(overrides: overrides.map { ($0.0, YNode.commandLine($0.1)) })
            .map { ($0, try Runner.run($0)) }
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
        // A hop adds the handler's entry and exit (250 ns), its EOI (50 ns) and work (100 ns)
        // to the one-way latency.
        #expect(abs(hop["socket"]! - 1971) < 20 && abs(hop["remote"]! - 2371) < 20, "\(hop)")
    }

    /// The EOI is its own parameter: a trapping EOI (a guest without APIC virtualization)
    /// lengthens every hop by what it costs, and not the one-way latency to handler entry.
    @Test func eoiCostIsPaidPerHandlerRun() throws {
        func measure(_ eoi: String) throws -> (oneWay: Double, hop: Double) {
            let o = try Self.results("scenarios/micro/ipi-latency.yaml", [("machine.apic.eoi", eoi)])
                .first { $0.0.variant == "socket" }!.1
            return (o.result.ipiLatency.p50, 2e9 / o.result.workloads[0].throughputPerSecond)
        }
        let base = try measure("50ns"), trapping = try measure("1550ns")
        #expect(abs(trapping.oneWay - base.oneWay) < 1, "\(base) \(trapping)")
        #expect(abs(trapping.hop - base.hop - 1500) < 20, "\(base) \(trapping)")
    }

    /// xAPIC mode: logical clusters of 4 IDs, and an ICR write naming a CPU on the other
    /// socket waits `remote_accept_wait` longer for the delivery-status bit; x2APIC writes
    /// cost the same at any distance.
    @Test func xapicWritesToTheOtherSocketWaitForAcceptance() throws {
        var cost: [String: [Int: Double]] = [:], writes: [String: [Int: UInt64]] = [:]
        for (p, o) in try Self.results("scenarios/micro/ipi-broadcast.yaml") {
            let n = Int(p.params.first { $0.key.hasSuffix(".targets") }!.value)!
            cost[p.variant!, default: [:]][n] = o.result.workloads[0].latency.p50
            writes[p.variant!, default: [:]][n] = o.result.ipiSent / max(1, o.result.workloads[0].ops)
        }
        let m = MachinePresets.xeonGold6242
        let wait = m.frequency.duration(cycles: 400).nanoseconds
        #expect(abs(m.apic.remoteAcceptWait.nanoseconds - wait) < 0.01)
        for n in [1, 4, 15, 31, 63] {
            // Targets are CPU 0's first n others; those on socket 1 each cost one wait more.
            let remote = (1...n).filter { m.topology.socket(of: $0) != m.topology.socket(of: 0) }.count
            let extra = cost["xapic-physical"]![n]! - cost["physical"]![n]!
            #expect(abs(extra - Double(remote) * wait) < 5, "n=\(n): \(extra) ns for \(remote) remote CPUs")
        }
        #expect(writes["xapic-cluster"]![63] == 16 && writes["xapic-physical"]![63] == 63)
        #expect(cost["xapic-cluster"]![63]! > 2 * cost["cluster"]![63]! && cost["xapic-cluster"]![63]! < cost["xapic-physical"]![63]!)
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
