import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/panic.yaml: a kexec-booted instance panics; the host runs on.
@Suite struct PanicTests {
    @Test func survivorsCarryOnAndTheFailedInstanceIsAccountedFor() throws {
        var results: [String: SimulationResult] = [:]
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/panic.yaml"))
        for p in try file.points() { results[p.variant!] = try Runner.run(p).result }
        let healthy = results["healthy"]!, failed = results["panic"]!

        let spawn = failed.kernels.first { $0.name == "spawn" }!
        #expect(spawn.lifecycle.state == "failed" && spawn.lifecycle.failedNs == 10_000_000)
        #expect(spawn.lifecycle.tasksKilled == 3)
        // Its resources: the CPUs and memory it held, still named in the results.
        #expect(spawn.lifecycle.cpus == [4, 5, 6, 7] && spawn.lifecycle.memoryNode == 1 && spawn.lifecycle.memoryBytes == 1 << 30)
        #expect(healthy.kernels.first { $0.name == "spawn" }!.lifecycle.state == "active")

        // The host's unlink threads finish and do the same work as when nothing failed.
        func hostUnlinkOps(_ r: SimulationResult) -> UInt64 {
            r.tasks.filter { $0.kernel == "host" && $0.workload == "unlink" }.reduce(0) { $0 + $1.ops }
        }
        let ratio = Double(hostUnlinkOps(failed)) / Double(hostUnlinkOps(healthy))
        #expect(abs(ratio - 1) < 0.01, "\(ratio)")
        #expect(failed.tasks.filter { $0.kernel == "host" }.allSatisfy { $0.exitedNs != nil })
        #expect(failed.workloads.first { $0.name == "unlink" }!.exited == 3)  // the host's; the spawn's were killed

        // Every send attempt was published or dropped; published ones were taken or sit in
        // the dead instance's ring; interrupts sent to it stay pending.
        let link = failed.channels.first { $0.direction == "host->spawn" }!
        let notify = failed.workloads.first { $0.name == "notify" }!
        #expect(link.sent + link.dropped == notify.ops, "\(link.sent) + \(link.dropped) vs \(notify.ops)")
        #expect(link.sent == link.delivered + link.inRing && link.inRing == 64 && link.dropped > 0)
        let a = failed.ipiAccounting
        #expect(a.targeted == a.arrived + a.inFlight && a.taken + a.coalesced + a.pending == a.arrived + a.reraised)
        #expect(a.pending >= 1)
    }
}
