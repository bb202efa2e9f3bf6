import SimMachine
import SimWorkloads
import Testing
@testable import SimKernelModel

/// Linux's rw_semaphore (kernel/locking/rwsem.c) as `i_rwsem` is used: writers (create,
/// unlink) and readers (lookup) on one directory's lock, more tasks than CPUs.
@Suite struct RWSemTests {
    static func profile() -> SyscallProfile {
        SyscallProfile(
            name: "test", entryExit: Picoseconds(ns: 70), contextSwitch: Picoseconds(ns: 1_370), jitter: 0.2,
            objects: [KernelObject(name: "i_rwsem", kind: .lock(.rwsem), scope: .instance),
                      KernelObject(name: "dir", kind: .line, scope: .instance)],
            syscalls: [
                SyscallPath(name: "create", steps: [
                    .compute(Picoseconds(ns: 300)), .lock(object: 0), .read(object: 1), .compute(Picoseconds(ns: 200)),
                    .write(object: 1), .unlock(object: 0), .compute(Picoseconds(ns: 300)),
                ]),
                SyscallPath(name: "lookup", steps: [
                    .compute(Picoseconds(ns: 200)), .lockShared(object: 0), .read(object: 1), .compute(Picoseconds(ns: 150)),
                    .unlockShared(object: 0), .compute(Picoseconds(ns: 200)),
                ]),
            ])
    }

    /// 48 writers and 16 readers on 32 CPUs of one kernel, `iterations` each.
    static func run(iterations: UInt64) throws -> (Simulation, SimulationResult) {
        let k = KernelConfig(name: "smp", cpus: Array(0..<32), memoryNode: 0, memoryBytes: 1 << 30, profile: profile())
        let writers = WorkloadConfig(name: "writers", copies: [.init(kernel: 0, threads: 48)],
                                     generator: .syscallLoop(syscall: "create", userCycles: 200), stop: StopRule(iterations: iterations))
        let readers = WorkloadConfig(name: "readers", copies: [.init(kernel: 0, threads: 16)],
                                     generator: .syscallLoop(syscall: "lookup", userCycles: 200), stop: StopRule(iterations: iterations))
        var sim = try Simulation(SimulationConfig(machine: MachinePresets.xeonGold6242, kernels: [k], workloads: [writers, readers], seed: 5))
        let r = sim.run()
        return (sim, r)
    }

    @Test func contendedRWSemSpinsSleepsHandsOffAndBatchesReaders() throws {
        let perTask: UInt64 = 1_563  // 64 tasks: just over 10^5 acquisitions
        let (sim, r) = try Self.run(iterations: perTask)
        let lock = r.kernels[0].locks.first { $0.name == "i_rwsem" }!
        // No lost wake-up: every task finished every acquisition (a sleeper never woken
        // would leave its workload short).
        #expect(lock.acquisitions == 64 * perTask)
        #expect(r.workloads.map(\.ops) == [48 * perTask, 16 * perTask])
        // The lock ends free, its wait list empty.
        #expect(sim.directory.peekValue(sim.locks.records[0].line) & ~Simulation.waitersFlag == 0)
        #expect(sim.locks.records[0].waitHead < 0)
        // Writers spin while the owner runs (contended acquisitions that did not sleep) and
        // sleep when it does not (preempted by the tick: more tasks than CPUs).
        #expect(lock.contended > lock.slept)
        #expect(lock.slept > 0)
        // A waiter that waited past RWSEM_WAIT_TIMEOUT asked for the hand-off.
        let counts = try #require(lock.rwsem)
        #expect(counts.handoffs > 0)
        // Readers are woken in batches: more readers granted than grants.
        #expect(counts.readerGrants > 0)
        #expect(counts.readersGranted > counts.readerGrants)
    }

    @Test func sameSeedSameResult() throws {
        let (_, a) = try Self.run(iterations: 200)
        let (_, b) = try Self.run(iterations: 200)
        let la = a.kernels[0].locks.first { $0.name == "i_rwsem" }!, lb = b.kernels[0].locks.first { $0.name == "i_rwsem" }!
        #expect(la.acquisitions == lb.acquisitions && la.slept == lb.slept && la.holdMeanNs == lb.holdMeanNs)
        #expect(a.simTime == b.simTime)
    }
}
