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
            let proto = p.variant!
            let cpus = Int(p.params.first { $0.key.hasSuffix(".cpus") }!.value)!
            #expect(o.result.workloads[0].ops == 200, "\(proto) \(cpus): every unmap completes")
            latency[proto, default: [:]][cpus] = o.result.workloads[0].latency.p50
        }
        // IPIs: one interrupt-command write per CPU (xAPIC, physical), so cost grows with CPUs.
        #expect(latency["smp"]![32]! > 8 * latency["smp"]![2]!, "\(latency["smp"]!)")
        // One message per core grows linearly too, but from a lower base than IPIs.
        #expect(latency["unicast"]![32]! < latency["smp"]![32]! / 2)
        // Per-socket aggregation: the initiator talks to 7 aggregators and 3 neighbours, not 31
        // cores, so its gain over unicast grows with the cores.
        let unicast = latency["unicast"]!, multicast = latency["multicast"]!
        #expect(multicast[32]! < unicast[32]! && unicast[32]! / multicast[32]! > unicast[8]! / multicast[8]!, "\(latency)")
        #expect(multicast[32]! < 2 * multicast[8]!, "\(multicast)")
        // With two CPUs every protocol is one request and one ack.
        #expect(unicast[2] == multicast[2] && latency["broadcast"]![2] == unicast[2])
    }

    /// Barrelfish's unmap around the messages: on two CPUs its critical path adds the user's
    /// LRPC to its monitor (1,549 cycles on this machine), the capability lookup and replica
    /// update (300), the stubs at both ends of the request and the ack (4 x 76) and the remote
    /// monitor's CPU-driver call (150) to the bare protocol's lines.
    @Test func barrelfishAddsItsMonitorPathToTheMessages() throws {
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/unmap.yaml"))
        func p50(_ design: String) throws -> Double {
            let overrides = [("workloads.unmap.generate.cpus", YNode.commandLine("2")), ("workloads.unmap.generate.design", YNode.commandLine(design))]
            return try Runner.run(try file.points(overrides: overrides, variant: "unicast")[0]).result.workloads[0].latency.p50
        }
        let bare = try p50("bare"), barrelfish = try p50("barrelfish")
        let expected = Double(1549 + 300 + 4 * 76 + 150) / 2.0  // ns at 2 GHz
        #expect(abs((barrelfish - bare) - expected) < 0.1 * expected, "bare \(bare) ns, barrelfish \(barrelfish) ns")
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
