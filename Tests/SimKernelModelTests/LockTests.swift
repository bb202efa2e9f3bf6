import SimMachine
import SimWorkloads
import Testing
@testable import SimKernelModel

@Suite struct LockTests {
    /// A profile whose one syscall takes a shared lock around a critical section.
    static func profile(_ algorithm: LockAlgorithm) -> SyscallProfile {
        SyscallProfile(
            name: "test", entryExit: Picoseconds(ns: 10), contextSwitch: Picoseconds(ns: 500),
            objects: [KernelObject(name: "big_lock", kind: .lock(algorithm), scope: .instance),
                      KernelObject(name: "data", kind: .line, scope: .instance)],
            syscalls: [SyscallPath(name: "critical", steps: [
                .compute(Picoseconds(ns: 50)), .lock(object: 0), .read(object: 1), .compute(Picoseconds(ns: 30)),
                .write(object: 1), .unlock(object: 0),
            ])])
    }

    static func run(_ algorithm: LockAlgorithm, threads: Int, iterations: UInt64) throws -> (Simulation, SimulationResult) {
        let m = MachinePresets.teaching2s4c
        let k = KernelConfig(name: "smp", cpus: Array(0..<8), memoryNode: 0, memoryBytes: 1 << 30, profile: profile(algorithm))
        let w = WorkloadConfig(name: "w", copies: [.init(kernel: 0, threads: threads)],
                               generator: .syscallLoop(syscall: "critical", userCycles: 0), stop: StopRule(iterations: iterations))
        var sim = try Simulation(SimulationConfig(machine: m, kernels: [k], workloads: [w], seed: 3))
        let r = sim.run()
        return (sim, r)
    }

    @Test(arguments: [LockAlgorithm.ticket, .mcs, .ttas])
    func mutualExclusionAndAccounting(_ algorithm: LockAlgorithm) throws {
        let (sim, r) = try Self.run(algorithm, threads: 8, iterations: 200)
        let lock = r.kernels[0].locks.first { $0.name == "big_lock" }!
        #expect(lock.acquisitions == 8 * 200)
        #expect(r.workloads[0].ops == 8 * 200)
        #expect(lock.contended > 0)
        // Holds never overlap: together they fit in the simulated time.
        let totalHoldNs = lock.holdMeanNs * Double(lock.acquisitions)
        #expect(totalHoldNs <= r.simTime.nanoseconds)
        // Every hold pays at least the critical section's own work.
        #expect(lock.holdMeanNs >= 30)
        // The lock ends free.
        let word = sim.directory.peekValue(sim.locks.records[0].line)
        switch algorithm {
        case .ticket: #expect(word >> 32 == word & 0xFFFF_FFFF)
        case .mcs, .mutex, .rwlock, .qspinlock, .ttas, .rwsem: #expect(word == 0)
        }
    }

    /// Under contention a ticket lock's hand-off slows as waiters re-read the lock line; an MCS
    /// hand-off touches only the next waiter's node.
    @Test func mcsOutperformsTicketUnderContention() throws {
        let (_, ticket) = try Self.run(.ticket, threads: 8, iterations: 200)
        let (_, mcs) = try Self.run(.mcs, threads: 8, iterations: 200)
        #expect(mcs.workloads[0].throughputPerSecond > ticket.workloads[0].throughputPerSecond)
    }

    /// Test-and-test-and-set: every release sets all waiters racing for the line, so under
    /// contention it hands over slower than a queue lock and pulls the line across sockets
    /// more often (Anderson 1990; Mellor-Crummey & Scott 1991).
    @Test func ttasStampedeLosesToQueueing() throws {
        let (_, ttas) = try Self.run(.ttas, threads: 8, iterations: 200)
        let (_, mcs) = try Self.run(.mcs, threads: 8, iterations: 200)
        #expect(mcs.workloads[0].throughputPerSecond > ttas.workloads[0].throughputPerSecond)
        #expect(ttas.transfers[.remote] > mcs.transfers[.remote])
    }

    @Test func uncontendedLockIsNotContended() throws {
        let (_, r) = try Self.run(.mcs, threads: 1, iterations: 100)
        let lock = r.kernels[0].locks.first { $0.name == "big_lock" }!
        #expect(lock.contended == 0)
        #expect(r.transfers[.remote] == 0)
    }
}

@Suite struct ChannelAndSchedulerTests {
    @Test func everyMessageSentIsDelivered() throws {
        let m = MachinePresets.teaching2s4c
        let kernels = [
            KernelConfig(name: "a", cpus: [0, 1, 2, 3], memoryNode: 0, memoryBytes: 1 << 30),
            KernelConfig(name: "b", cpus: [4, 5, 6, 7], memoryNode: 1, memoryBytes: 1 << 30),
        ]
        // A small ring and fast senders: the ring fills and senders stall.
        let channel = ChannelConfig(name: "ab", kernels: (0, 1), slots: 4, handling: Picoseconds(ns: 2000), drainBudget: 2)
        let w = WorkloadConfig(name: "send", copies: [.init(kernel: 0, threads: 3)],
                               generator: .messages(channel: 0, userCycles: 10), stop: StopRule(iterations: 50))
        var sim = try Simulation(SimulationConfig(machine: m, kernels: kernels, channels: [channel], workloads: [w], seed: 1))
        let r = sim.run()
        let ab = r.channels.first { $0.direction == "a->b" }!
        #expect(ab.sent == 150)
        #expect(ab.delivered == ab.sent)
        #expect(ab.ringFullStalls > 0)
        #expect(ab.ipis == 150)
        #expect(r.kernels[1].ipiReceived == 150)
        #expect(ab.latency.p50 > m.apic.deliverRemote.nanoseconds)
    }

    /// IPIs arriving at a CPU that spins interrupt the spin (its wait is cancelled), run the
    /// handler, and the spin resumes: nothing is lost on either side.
    @Test func interruptsCancelAndResumeASpin() throws {
        let m = MachinePresets.teaching2s4c
        let kernels = [
            KernelConfig(name: "a", cpus: [0, 1, 2, 3], memoryNode: 0, memoryBytes: 1 << 30),
            KernelConfig(name: "b", cpus: [4, 5, 6, 7], memoryNode: 1, memoryBytes: 1 << 30),
        ]
        let channel = ChannelConfig(name: "ab", kernels: (0, 1))
        let sender = WorkloadConfig(name: "send", copies: [.init(kernel: 0, threads: 1)],
                                    generator: .messages(channel: 0, userCycles: 3_000), stop: StopRule(iterations: 300))
        // CPU 4 receives the channel's IPIs and spins half of the time in this ping-pong.
        let ping = WorkloadConfig(name: "ping", copies: [.init(kernel: 1, threads: 2, pin: [4, 5])],
                                  generator: .pingPong, stop: StopRule(iterations: 2_000))
        var sim = try Simulation(SimulationConfig(machine: m, kernels: kernels, channels: [channel], workloads: [sender, ping]))
        let r = sim.run()
        let ab = r.channels.first { $0.direction == "a->b" }!
        #expect(ab.delivered == 300)
        #expect(r.workloads[1].ops == 4_000)
        #expect(r.kernels[1].interruptsHandled > 0)
        // The receiving CPU really was interrupted while spinning: its ping-pong got slower.
        #expect(r.workloads[1].latency.max > r.workloads[1].latency.p50 * 2)
    }

    @Test func roundRobinSharesACPU() throws {
        let m = MachinePresets.teaching2s4c
        let k = KernelConfig(name: "one", cpus: [0], memoryNode: 0, memoryBytes: 1 << 30,
                             scheduler: SchedulerConfig(tick: Picoseconds(us: 100)))
        let w = WorkloadConfig(name: "spin", copies: [.init(kernel: 0, threads: 2)],
                               generator: .computeMemory(computeCycles: 2000, accesses: 1, privateLines: 4, sharedLines: 0,
                                                         sharedFraction: 0, writeFraction: 0.5, atomicFraction: 0,
                                                         sharedAcrossCopies: false),
                               stop: StopRule(iterations: 500))
        var sim = try Simulation(SimulationConfig(machine: m, kernels: [k], workloads: [w], seed: 1))
        let r = sim.run()
        #expect(r.workloads[0].ops == 1000)
        #expect(r.kernels[0].contextSwitches >= 4)
        #expect(r.kernels[0].utilization > 0.99)
    }

    @Test func cpuGivenTwiceIsAConfigurationError() {
        let m = MachinePresets.teaching2s4c
        let ks = [KernelConfig(name: "a", cpus: [0, 1], memoryNode: 0, memoryBytes: 1),
                  KernelConfig(name: "b", cpus: [1, 2], memoryNode: 0, memoryBytes: 1)]
        #expect(throws: ConfigurationError.self) { try Simulation(SimulationConfig(machine: m, kernels: ks, workloads: [])) }
    }
}

@Suite struct CPUTimelineTests {
    /// A CPU whose clock ran ahead of the engine (pure work, then the task exited) is busy
    /// until then: a task arriving earlier must wait for it, not overlap it.
    @Test func workArrivingWhileTheCPUIsAheadWaits() throws {
        let m = MachinePresets.teaching2s4c  // 2 GHz: 20,000 cycles = 10 us
        let k = KernelConfig(name: "one", cpus: [0], memoryNode: 0, memoryBytes: 1 << 30)
        func compute(_ name: String, start: Picoseconds) -> WorkloadConfig {
            WorkloadConfig(name: name, copies: [.init(kernel: 0, threads: 1)],
                           generator: .computeMemory(computeCycles: 20_000, accesses: 0, privateLines: 0, sharedLines: 0,
                                                     sharedFraction: 0, writeFraction: 0, atomicFraction: 0, sharedAcrossCopies: false),
                           stop: StopRule(iterations: 1), startAt: start)
        }
        var sim = try Simulation(SimulationConfig(machine: m, kernels: [k],
                                                  workloads: [compute("first", start: .zero), compute("second", start: Picoseconds(us: 5))]))
        let r = sim.run()
        // second waits for first (10 us), pays a context switch, then runs its 10 us.
        let expectedEnd = Picoseconds(us: 20) + SyscallProfile.linux.contextSwitch
        #expect(r.simTime == expectedEnd)
        #expect(r.workloads[1].latency.max >= (expectedEnd - Picoseconds(us: 5)).nanoseconds * 0.99)
        #expect(r.kernels[0].utilization <= 1.0)
    }
}
