import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/resource-move.yaml: a CPU changes hands between instances.
@Suite struct ResourceMoveTests {
    @Test func cpuLeavesTheDonorAndServesTheReceiver() throws {
        let results = try Repo.resultsByVariant("scenarios/multikernel/resource-move.yaml")
        let moved = results["move"]!, stay = results["stay"]!
        let m = moved.moves[0]
        // Each step after the one before: offline, taken down, RESOURCE, brought up, ACK.
        #expect(m.requestedNs < m.releasedNs && m.releasedNs < m.arrivedNs && m.arrivedNs < m.onlineNs && m.onlineNs < m.ackedNs)
        #expect(m.tasksMoved >= 1)
        func kernel(_ r: SimulationResult, _ name: String) -> KernelResult { r.kernels.first { $0.name == name }! }
        #expect(kernel(moved, "host").lifecycle.cpus == [0, 1, 2] && kernel(moved, "spawn").lifecycle.cpus == [3, 4, 5, 6, 7])
        // The host's four threads share three CPUs from the move on; the spawn's six get a fifth.
        let hostRatio = Double(kernel(moved, "host").ops) / Double(kernel(stay, "host").ops)
        let spawnRatio = Double(kernel(moved, "spawn").ops) / Double(kernel(stay, "spawn").ops)
        #expect(hostRatio < 0.85 && spawnRatio > 1.1, "\(hostRatio) \(spawnRatio)")
    }

    /// RESOURCE and ACK travel in the `ctl` channel's rings, sent by kernel threads of the
    /// two instances: one message each way, counted by family, each arriving a ring hand-off
    /// and a drain after it is sent (microseconds), none left behind.
    @Test func resourceAndAckAreMessagesInTheChannel() throws {
        let moved = try Repo.resultsByVariant("scenarios/multikernel/resource-move.yaml")["move"]!
        let m = moved.moves[0]
        let there = moved.channels.first { $0.name == "ctl" && $0.direction == "host->spawn" }!
        let back = moved.channels.first { $0.name == "ctl" && $0.direction == "spawn->host" }!
        func family(_ c: ChannelResult, _ f: String) -> UInt64 { c.deliveredByFamily.first { $0.0 == f }!.1 }
        #expect(family(there, "resource") == 1 && family(back, "ack") == 1)
        #expect(there.sent == 1 && there.delivered == 1 && back.sent == 1 && back.delivered == 1 && there.inRing == 0)
        // The RESOURCE's trip is the ring's: the sender's wake-up and CAS, the IPI, the drain.
        let trip = m.arrivedNs - m.releasedNs
        #expect(trip > there.latency.p50 && trip < there.latency.p50 + 5_000, "\(trip) vs ring latency \(there.latency.p50)")
        #expect(m.ackedNs - m.onlineNs > back.latency.p50 && m.ackedNs - m.onlineNs < back.latency.p50 + 5_000)
        // Both interrupts were taken.
        #expect(moved.ipiAccounting.taken == 2 && moved.ipiAccounting.pending == 0)
    }

    @Test func movesAreCheckedAgainstTheKernels() throws {
        let text = """
        mksim: 1
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: socket0}
          - {name: b, cpus: socket1}
        workloads:
          - {name: w, on: all, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 10}}
        moves:
          - {at: 1ms, cpus: [5], from: a, to: b}
          - {at: 1ms, cpus: [0], from: a, to: c}
          - {at: 1ms, cpus: [1], from: a, to: b, channel: u}
          - {at: 1ms, cpus: [1], from: a, to: b, channel: nope}
        channels:
          - {name: u, between: [a, b], transport: urpc}
        """
        let d = try ScenarioFile.parse(text, path: "m.yaml").validate()
        #expect(d.contains { $0.path == "moves[0].cpus" && $0.message.contains("CPU 5") && $0.line == 9 }, "\(d)")
        #expect(d.contains { $0.path == "moves[1].to" && $0.message.contains("did you mean") }, "\(d)")
        #expect(d.contains { $0.path == "moves[2].channel" && $0.message.contains("linux or popcorn") }, "\(d)")
        #expect(d.contains { $0.path == "moves[3].channel" && $0.message.contains("no channel named 'nope'") }, "\(d)")
    }
}

/// scenarios/multikernel/memory-move.yaml: memory changes hands by memory blocks; the
/// donor's offlining migrates the pages in use, on its own CPUs.
@Suite struct MemoryMoveTests {
    @Test func memoryLeavesTheDonorAfterItsPagesAreMigrated() throws {
        let r = try Repo.resultsByVariant("scenarios/multikernel/memory-move.yaml")
        func kernel(_ v: String, _ name: String) -> KernelResult { r[v]!.kernels.first { $0.name == name }! }
        func workload(_ v: String, _ name: String) -> WorkloadResult { r[v]!.workloads.first { $0.name == name }! }
        for v in ["free", "busy"] {
            let m = r[v]!.moves[0]
            #expect(m.requestedNs < m.releasedNs && m.releasedNs < m.arrivedNs && m.arrivedNs < m.onlineNs && m.onlineNs < m.ackedNs)
            // No memory is created or lost: 256 MiB leave the host and reach the spawn.
            #expect(kernel(v, "host").lifecycle.memoryBytes == 768 << 20 && kernel(v, "spawn").lifecycle.memoryBytes == 1280 << 20)
            // The receiver writes 64 B of page descriptor per 4 KiB page of two blocks: 4 MiB at 20 GB/s.
            #expect(abs(m.onlineNs - m.arrivedNs - 209_715.2) < 1)
        }
        #expect(r["free"]!.moves[0].pagesMigrated == 0 && r["busy"]!.moves[0].pagesMigrated == 6554)
        // The offlining task's CPU time is its work: 4 MiB of descriptors read, then each of
        // the 6,554 pages read and written (8 KiB at 20 GB/s) plus 2 us.
        let expected = (4.0 * 1_048_576 + 6554 * 8192) / 20e9 * 1e9 + 6554 * 2000
        #expect(abs(workload("busy", "move0.offline").cpuTimeNs - expected) < 0.01 * expected)
        // That time comes out of the host's own threads, not the spawn's.
        #expect(Double(workload("busy", "host-work").ops) < 0.95 * Double(workload("stay", "host-work").ops))
        #expect(Double(workload("busy", "spawn-work").ops) > 0.99 * Double(workload("stay", "spawn-work").ops))
        #expect(kernel("stay", "spawn").lifecycle.memoryBytes == 1 << 30)
    }

    @Test func badMemoryMovesAreReportedWithTheirKeys() throws {
        let text = """
        mksim: 1
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: socket0, memory: {size: 1GiB, node: 0}}
          - {name: b, cpus: socket1, memory: {size: 1GiB, node: 1}}
        workloads: [{name: w, on: a, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 1}}]
        moves:
          - {at: 1ms, memory: 100MiB, from: a, to: b}
          - {at: 1ms, memory: 1GiB, from: a, to: b}
          - {at: 1ms, cpus: [1], memory: 128MiB, from: a, to: b}
          - {at: 1ms, from: a, to: b}
          - {at: 1ms, cpus: [1], in_use: 0.5, from: a, to: b}
          - {at: 1ms, memory: 512MiB, from: a, to: b}
          - {at: 2ms, memory: 512MiB, from: a, to: b}
        """
        let d = try ScenarioFile.parse(text, path: "m.yaml").validate()
        #expect(d.contains { $0.line == 8 && $0.path == "moves[0].memory" && $0.message.contains("128MiB") }, "\(d)")
        #expect(d.contains { $0.line == 9 && $0.path == "moves[1].memory" && $0.message.contains("without memory") }, "\(d)")
        #expect(d.contains { $0.line == 10 && $0.path == "moves[2].memory" && $0.message.contains("not both") }, "\(d)")
        #expect(d.contains { $0.line == 11 && $0.path == "moves[3]" && $0.message.contains("neither") }, "\(d)")
        #expect(d.contains { $0.line == 12 && $0.path == "moves[4].in_use" && $0.message.contains("no 'memory'") }, "\(d)")
        // Each fits; together they would leave 'a' nothing.
        #expect(!d.contains { $0.path == "moves[5].memory" } && d.contains { $0.line == 14 && $0.path == "moves[6].memory" && $0.message.contains("earlier") }, "\(d)")
    }
}
