import SimMachine
import SimWorkloads
import Testing
@testable import SimKernelModel

/// The channel table and the transports' send and drain machines, on a configuration built
/// in code (two kernels of the teaching machine, one channel between them).
@Suite struct ChannelTests {
    static let machine = MachinePresets.teaching2s4c

    static func kernels(_ n: Int) -> [KernelConfig] {
        (0..<n).map { k in
            KernelConfig(name: "k\(k)", cpus: [2 * k, 2 * k + 1], memoryNode: k % 2, memoryBytes: 1 << 30, profile: .linux)
        }
    }

    /// Kernel 0 sends `count` messages of `bytes` to kernel 1 (a polling receiver on urpc).
    static func run(_ transport: ChannelTransport, count: UInt64, bytes: UInt32 = 0, handling: Picoseconds = Picoseconds(ns: 100),
                    budget: Int? = nil) throws -> (ring: ChannelResult, run: SimulationResult) {
        let channel = ChannelConfig(name: "ch", kernels: (0, 1), transport: transport, slotBytes: 64, handling: handling, drainBudget: budget)
        var workloads = [WorkloadConfig(name: "send", copies: [.init(kernel: 0, threads: 1)],
                                        generator: .messages(channel: 0, userCycles: 0, bytes: bytes), stop: StopRule(iterations: count))]
        if transport.traits.receiver == .pollingTask {
            workloads.append(WorkloadConfig(name: "recv", copies: [.init(kernel: 1, threads: 1)],
                                            generator: .receive(channel: 0, userCycles: 0, reply: false), stop: StopRule(iterations: count)))
        }
        var sim = try Simulation(SimulationConfig(machine: machine, kernels: kernels(2), channels: [channel], workloads: workloads, seed: 1))
        let result = sim.run()
        return (result.channels.first { $0.direction == "k0->k1" }!, result)
    }

    /// Every kernel finds its end of every channel, whichever way round the channel names them.
    @Test func ringsAreFoundByChannelAndEnd() throws {
        let channels = [ChannelConfig(name: "a", kernels: (0, 1)), ChannelConfig(name: "b", kernels: (2, 0), transport: .urpc),
                        ChannelConfig(name: "c", kernels: (1, 2), transport: .popcorn)]
        let sim = try Simulation(SimulationConfig(machine: Self.machine, kernels: Self.kernels(3), channels: channels, workloads: [], seed: 1))
        #expect(sim.channels.rings.count == 6)
        for (ci, ch) in channels.enumerated() {
            for (from, to) in [ch.kernels, (ch.kernels.1, ch.kernels.0)] {
                let send = sim.channels.rings[sim.channels.sendRing(channel: ci, from: from)]
                #expect(send.channel == ci && send.from == from && send.to == to)
                let receive = sim.channels.rings[sim.channels.receiveRing(channel: ci, to: to)]
                #expect(receive.channel == ci && receive.from == from && receive.to == to)
            }
        }
    }

    /// Each transport delivers every message once; IPI-notified ones send at most one IPI a
    /// message, the polled one none.
    @Test(arguments: ChannelTransport.allCases)
    func everyMessageArrivesOnce(_ transport: ChannelTransport) throws {
        let r = try Self.run(transport, count: 50).ring
        #expect(r.sent == 50)
        #expect(r.delivered == 50)
        #expect(r.inRing == 0)
        #expect(r.bytes == 50 * 64)
        if transport.traits.notification == "ipi" { #expect(r.ipis >= 1 && r.ipis <= 50) } else { #expect(r.ipis == 0) }
    }

    /// linux notifies every message; popcorn's senders skip the IPI while the receiver is
    /// draining, so a burst behind a slow handler costs fewer IPIs than messages.
    @Test func drainingFlagSavesIPIs() throws {
        let slow = Picoseconds(us: 2)
        let linux = try Self.run(.linux, count: 40, handling: slow).ring
        let popcorn = try Self.run(.popcorn, count: 40, handling: slow).ring
        #expect(linux.ipis == 40)
        #expect(popcorn.delivered == 40)
        #expect(popcorn.ipis < 40)
    }

    /// A popcorn message longer than a slot goes as chunks and counts as one message, whole
    /// only when its last chunk is in; other transports refuse it at build time.
    @Test func popcornSplitsLongMessages() throws {
        let r = try Self.run(.popcorn, count: 5, bytes: 200).ring  // 56-byte payloads: 4 chunks each
        #expect(r.sent == 5)
        #expect(r.delivered == 5)
        #expect(r.bytes == 5 * 200)
        #expect(throws: ConfigurationError.self) { try Self.run(.linux, count: 5, bytes: 200) }
    }

    /// The drain takes at most its budget per interrupt and re-raises the vector for the rest:
    /// with a budget of one, a burst still arrives whole.
    @Test func drainBudgetReraisesTheInterrupt() throws {
        let (r, run) = try Self.run(.linux, count: 20, handling: Picoseconds(us: 1), budget: 1)
        #expect(r.delivered == 20)
        #expect(r.inRing == 0)
        #expect(run.ipiAccounting.reraised > 0)
    }
}
