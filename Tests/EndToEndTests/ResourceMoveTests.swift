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

    /// Names are the reader's to check (all at once); how a move fits the kernels and
    /// channels is the build step's, which validate runs on each point (each variant here
    /// holds one such mistake), reported at the move's key.
    @Test func movesAreCheckedAgainstTheKernels() throws {
        let text = """
        mksim: 1
        name: moves
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: socket0}
          - {name: b, cpus: socket1}
        workloads:
          - {name: w, on: all, threads: 1, generate: {kind: syscall-loop, syscall: getpid, iterations: 10}}
        moves:
          - {at: 1ms, cpus: [0], from: a, to: c}
          - {at: 1ms, cpus: [1], from: a, to: b, channel: nope}
        channels:
          - {name: u, between: [a, b], transport: urpc}
        variants:
          foreign:
            moves: [{at: 1ms, cpus: [5], from: a, to: b}]
          polled:
            moves: [{at: 1ms, cpus: [1], from: a, to: b, channel: u}]
        """
        let d = try ScenarioFile.parse(text, path: "m.yaml").validate()
        #expect(d.contains { $0.path == "moves[0].to" && $0.message.contains("did you mean") }, "\(d)")
        #expect(d.contains { $0.path == "moves[1].channel" && $0.message.contains("no channel named 'nope'") }, "\(d)")
        #expect(d.contains { $0.path == "moves[0].cpus" && $0.message.contains("[5]") && $0.line == 16 }, "\(d)")
        #expect(d.contains { $0.path == "moves[0].channel" && $0.message.contains("linux or popcorn") && $0.line == 18 }, "\(d)")
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
