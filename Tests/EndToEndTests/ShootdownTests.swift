import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/unmap.yaml: how TLB shootdown protocols scale with cores.
@Suite struct ShootdownTests {
    @Test func messagesPerSocketScaleWhereIPIsDoNot() throws {
        var latency: [String: [Int: Double]] = [:]
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/unmap.yaml"))
        for p in try file.points() {
            let o = try Runner.run(p)
            let proto = p.params.first { $0.key.hasSuffix(".protocol") }!.value
            let cpus = Int(p.params.first { $0.key.hasSuffix(".cpus") }!.value)!
            #expect(o.result.workloads[0].ops == 200, "\(proto) \(cpus): every unmap completes")
            latency[proto, default: [:]][cpus] = o.result.workloads[0].latency.p50
        }
        // IPIs: one interrupt-command write per CPU (xAPIC, physical), so cost grows with CPUs.
        #expect(latency["ipi"]![32]! > 8 * latency["ipi"]![2]!, "\(latency["ipi"]!)")
        // One message per core grows linearly too, but from a lower base than IPIs.
        #expect(latency["unicast"]![32]! < latency["ipi"]![32]! / 2)
        // Per-socket aggregation: the initiator talks to 7 aggregators and 3 neighbours, not 31 cores.
        #expect(latency["multicast"]![32]! < latency["unicast"]![32]! / 2, "\(latency)")
        #expect(latency["multicast"]![32]! < 2 * latency["multicast"]![8]!, "\(latency["multicast"]!)")
        // With two CPUs every protocol is one request and one ack.
        #expect(latency["unicast"]![2] == latency["multicast"]![2] && latency["broadcast"]![2] == latency["unicast"]![2])
    }

    /// scenarios/multikernel/unmap-agreement.yaml: a two-phase commit runs every message of
    /// the protocol twice and invalidates once, so it costs about two rounds, per protocol.
    @Test func twoPhaseCommitCostsTwoRoundsOfTheSameProtocol() throws {
        var latency: [String: Double] = [:]
        var remote: [String: UInt64] = [:]
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/unmap-agreement.yaml"))
        for p in try file.points() {
            let o = try Runner.run(p)
            let key = p.params.map(\.value).joined(separator: " ")
            #expect(o.result.workloads[0].ops == 200, "\(key): every unmap completes")
            latency[key] = o.result.workloads[0].latency.p50
            remote[key] = o.result.transfers[.remote]
        }
        for proto in ["unicast", "broadcast", "multicast", "numa-multicast"] {
            for cpus in [8, 32] {
                let one = latency["\(proto) \(cpus) none"]!, two = latency["\(proto) \(cpus) two-phase"]!
                // Two rounds, one invalidation (100 ns) fewer than two full unmaps.
                #expect(two > 1.8 * one && two < 2 * one, "\(proto) \(cpus): \(one) -> \(two)")
                // Twice the lines cross sockets (every request and acknowledgement, again; a few more
                // for the extra phase's first, cold round).
                let r1 = remote["\(proto) \(cpus) none"]!, r2 = remote["\(proto) \(cpus) two-phase"]!
                #expect(r2 > 19 * r1 / 10 && r2 <= 2 * r1 + r1 / 50, "\(proto) \(cpus): \(r1) -> \(r2) remote transfers")
            }
        }
    }
}
