import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/panic.yaml: a kexec-booted instance panics; the host runs on.
@Suite struct PanicTests {
    @Test func survivorsCarryOnAndTheFailedInstanceIsAccountedFor() throws {
        let results = try Repo.resultsByVariant("scenarios/multikernel/panic.yaml")
        let healthy = results["healthy"]!, failed = results["panic"]!

        let spawn = failed.kernels.first { $0.name == "spawn" }!
        #expect(spawn.lifecycle.state == .failed && spawn.lifecycle.failedNs == 10_000_000)
        #expect(spawn.lifecycle.tasksKilled == 4)  // three unlink threads and its heartbeat thread
        // Its resources: the CPUs and memory it held, still named in the results.
        #expect(spawn.lifecycle.cpus == [4, 5, 6, 7] && spawn.lifecycle.memoryNode == 1 && spawn.lifecycle.memoryBytes == 1 << 30)
        #expect(healthy.kernels.first { $0.name == "spawn" }!.lifecycle.state == .active)

        // The host's unlink threads finish and do the same work as when nothing failed.
        func hostUnlinkOps(_ r: SimulationResult) -> UInt64 {
            r.tasks.filter { $0.kernel == "host" && $0.workload == "unlink" }.reduce(0) { $0 + $1.ops }
        }
        let ratio = Double(hostUnlinkOps(failed)) / Double(hostUnlinkOps(healthy))
        #expect(abs(ratio - 1) < 0.01, "\(ratio)")
        // None of the host's tasks died; the spawn's all did (killed tasks do not count as exited).
        #expect(failed.tasks.filter { $0.kernel == "spawn" }.allSatisfy { $0.exitedNs != nil && $0.exitedNs! <= 10_000_000 })
        #expect(failed.kernels.first { $0.name == "host" }!.lifecycle.tasksKilled == 0)

        // Every send attempt was published or dropped; published ones were taken or sit in
        // the dead instance's ring; interrupts sent to it stay pending.
        let link = failed.channels.first { $0.direction == "host->spawn" }!
        let senders = failed.tasks.filter { $0.kernel == "host" && ($0.workload == "notify" || $0.workload == "link.heartbeat") }
        let attempts = senders.reduce(0) { $0 + $1.ops }
        // (A send completed just before the run's end may not have finished its operation yet.)
        #expect(link.sent + link.dropped >= attempts && link.sent + link.dropped <= attempts + UInt64(senders.count),
                "\(link.sent) + \(link.dropped) vs \(attempts)")
        // The host stops hearing the spawn's heartbeats when it dies, and hears them to the end otherwise.
        #expect(failed.channels.first { $0.direction == "spawn->host" }!.lastDeliveredNs < 10_000_000)
        #expect(healthy.channels.first { $0.direction == "spawn->host" }!.lastDeliveredNs > 19_000_000)
        #expect(link.sent == link.delivered + link.inRing && link.inRing == 64 && link.dropped > 0)
        let a = failed.ipiAccounting
        #expect(a.targeted == a.arrived + a.inFlight && a.taken + a.coalesced + a.pending == a.arrived + a.reraised)
        #expect(a.pending >= 1)
    }

    /// The `respawn` variant: the host boots the failed instance again; it starts its
    /// workloads over, drains its ring, and nothing is lost or counted twice.
    @Test func aRespawnedInstanceStartsOverAndDrainsItsRing() throws {
        let results = try Repo.resultsByVariant("scenarios/multikernel/panic.yaml")
        let failed = results["panic"]!, again = results["respawn"]!
        let spawn = again.kernels.first { $0.name == "spawn" }!
        #expect(spawn.lifecycle.state == .active && spawn.lifecycle.failedNs == 10_000_000)
        // The first boot's timeline is kept; the respawn has its own (same image and init: same lengths).
        let r = try #require(spawn.lifecycle.respawn)
        #expect(r.atNs == 11_000_000)
        #expect(abs((r.activeNs - r.atNs) - spawn.lifecycle.activeNs) < 1 && abs((r.allCPUsUpNs - r.atNs) - spawn.lifecycle.allCPUsUpNs) < 1)
        // The first incarnation's tasks died (4, as without respawn); the second's ran after
        // the respawn was active, each unlink thread to the end of the run.
        #expect(spawn.lifecycle.tasksKilled == 4)
        let second = again.tasks.filter { $0.kernel == "spawn" && $0.workload == "unlink" && $0.ops > 0 }
        #expect(second.count == 6)  // 3 before the panic, 3 after the respawn
        #expect(spawn.ops > failed.kernels.first { $0.name == "spawn" }!.ops)
        // Messages that waited in the ring are taken once it is up: all sent are delivered.
        let link = again.channels.first { $0.direction == "host->spawn" }!
        #expect(link.inRing == 0 && link.sent == link.delivered)
        #expect(link.latency.max > 6_000_000)  // the oldest waited from ~10 ms to ~16.4 ms
        #expect(again.channels.first { $0.direction == "spawn->host" }!.lastDeliveredNs > 19_000_000)
        let a = again.ipiAccounting
        #expect(a.targeted == a.arrived + a.inFlight && a.taken + a.coalesced + a.pending == a.arrived + a.reraised)
        // Same work on the host as without any failure.
        let host = again.kernels.first { $0.name == "host" }!, healthyHost = results["healthy"]!.kernels.first { $0.name == "host" }!
        #expect(Double(host.ops) / Double(healthyHost.ops) > 0.95)
    }

    /// The `shutdown` variant: a SYSTEM message from the host halts the spawn in order.
    @Test func aShutdownMessageHaltsTheInstance() throws {
        let halted = try Repo.resultsByVariant("scenarios/multikernel/panic.yaml")["shutdown"]!
        let spawn = halted.kernels.first { $0.name == "spawn" }!
        #expect(spawn.lifecycle.state == .halted && spawn.lifecycle.failedNs == nil)
        #expect(spawn.lifecycle.tasksStopped == 4 && spawn.lifecycle.tasksKilled == 0)
        let link = halted.channels.first { $0.direction == "host->spawn" }!
        #expect(link.deliveredByFamily.first { $0.0 == "shutdown" }!.1 == 1)
        // Sent at 10 ms, taken a ring trip later; the spawn halts then.
        let h = try #require(spawn.lifecycle.haltedNs)
        #expect(h > 10_000_000 && h < 10_020_000)
        #expect(halted.tasks.filter { $0.kernel == "spawn" }.allSatisfy { $0.exitedNs == nil || $0.exitedNs! <= h })
    }
}

/// scenarios/multikernel/isolation.yaml's `scribble`: one instance writing into another's
/// kernel objects; nothing in the machine stops it.
@Suite struct ForeignWriteTests {
    @Test func writesIntoAnotherInstanceMoveItsLinesAway() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/isolation.yaml")
        let quiet = r["quiet"]!, scribble = r["scribble"]!
        func spawn(_ x: SimulationResult) -> KernelResult { x.kernels.first { $0.name == "spawn" }! }
        let writes = scribble.workloads.first { $0.name == "scribble" }!.ops
        #expect(writes > 10_000)
        // The spawn's objects are the hot lines now, touched by the host's CPU 3 as well as its own.
        let hot = scribble.hotLines.filter { $0.name.hasPrefix("spawn.") }
        #expect(!hot.isEmpty && hot.allSatisfy { $0.touchedBy.contains(3) }, "\(scribble.hotLines.map(\.name))")
        #expect(hot.contains { $0.remoteTransfers > 1000 })
        // Without the scribbler no line crosses sockets (each instance keeps to its own memory).
        #expect(quiet.transfers[.remote] == 0)
        let loss = 1 - spawn(scribble).throughputPerSecond / spawn(quiet).throughputPerSecond
        #expect(loss > 0.05 && loss < 0.2, "\(loss)")
        // The host's own unlink threads are untouched by what its scribbler does elsewhere.
        let hostUnlink = { (x: SimulationResult) in x.tasks.filter { $0.kernel == "host" && $0.workload == "unlink" }.reduce(0) { $0 + $1.ops } }
        #expect(Double(hostUnlink(scribble)) / Double(hostUnlink(quiet)) > 0.9)
    }

    /// `stray`: one write of garbage into the spawn's MCS lock word. The next spawn thread to
    /// queue on the lock follows the garbage as its predecessor's node: an oops, and the
    /// spawn panics. The host, whose memory nothing wrote, does exactly the work it does
    /// when nothing happens.
    @Test func aCorruptedLockWordPanicsItsInstanceOnly() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/isolation.yaml")
        let quiet = r["quiet"]!, stray = r["stray"]!
        func kernel(_ x: SimulationResult, _ name: String) -> KernelResult { x.kernels.first { $0.name == name }! }
        #expect(stray.workloads.first { $0.name == "stray" }!.ops == 1)
        let spawn = kernel(stray, "spawn").lifecycle
        #expect(spawn.state == .failed && spawn.oopses == 1 && spawn.tasksKilled == 3)
        // Written at 2 ms; the spawn's three threads take that lock every ~2.4 us.
        #expect(spawn.failedNs! > 2_000_000 && spawn.failedNs! < 2_020_000, "\(spawn.failedNs!)")
        #expect(kernel(stray, "host").lifecycle.state == .active && kernel(stray, "host").lifecycle.oopses == 0)
        let hostUnlink = { (x: SimulationResult) in x.tasks.filter { $0.kernel == "host" && $0.workload == "unlink" }.reduce(0) { $0 + $1.ops } }
        #expect(hostUnlink(stray) == hostUnlink(quiet), "\(hostUnlink(stray)) vs \(hostUnlink(quiet))")
        // A plain (non-corrupting) write in the same place costs a miss and nothing else.
        let p = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/isolation.yaml"))
            .points(overrides: [("workloads.stray.generate.corrupt", YNode.commandLine("false"))], variant: "stray")
        let harmless = try Runner.run(p[0]).result
        #expect(kernel(harmless, "spawn").lifecycle.state == .active && kernel(harmless, "spawn").lifecycle.oopses == 0)
    }
}
