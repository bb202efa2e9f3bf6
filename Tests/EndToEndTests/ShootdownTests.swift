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
}
