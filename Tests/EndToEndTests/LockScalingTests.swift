import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/lock-scaling.yaml: the locks exclude, lose no wake-up, and scale
/// as their algorithms should.
@Suite struct LockScalingTests {
    static func run(_ overrides: [(String, String)], variant: String? = nil) throws -> [(RunPoint, RunOutcome)] {
        try ScenarioFile.load(path: Repo.path("scenarios/multikernel/lock-scaling.yaml"))
            .points(overrides: overrides.map { ($0.0, YNode.commandLine($0.1)) }, variant: variant)
            .map { ($0, try Runner.run($0)) }
    }

    /// Every task finishes its passes (a lost wake-up would leave a mutex waiter asleep
    /// forever), and one lock's hold times never add up to more than the run: no two
    /// holders at once.
    @Test(arguments: ["ticket", "mcs", "qspinlock", "mutex"])
    func everyPassCompletesUnderExclusion(lock: String) throws {
        for (p, o) in try Self.run([("workloads.loop.generate.lock", lock), ("workloads.loop.generate.iterations", "150"),
                                    ("workloads.loop.generate.duration", "1s"), ("workloads.loop.total_threads", "24")]) {
            let r = o.result
            #expect(r.workloads[0].ops == 24 * 150, "\(p.variant!): \(r.workloads[0].ops)")
            for k in r.kernels {
                for l in k.locks where l.name == "loop.lock" {
                    #expect(l.holdMeanNs * Double(l.acquisitions) <= Double(r.simTime.raw) / 1000, "\(k.name) \(l.name)")
                    #expect(l.acquisitions == UInt64(24 / r.kernels.count * 150))
                }
            }
        }
    }

    /// A reader-writer lock: with only writers it excludes like the others; with 90% readers
    /// every pass still completes (writers get in between readers when the count drops to 0).
    @Test func readerWriterLockCompletesAndExcludesWriters() throws {
        for reads in ["0", "0.9"] {
            for (p, o) in try Self.run([("workloads.loop.generate.lock", "rwlock"), ("workloads.loop.generate.reads", reads),
                                        ("workloads.loop.generate.iterations", "150"), ("workloads.loop.generate.duration", "1s"),
                                        ("workloads.loop.total_threads", "16")]) {
                #expect(o.result.workloads[0].ops == 16 * 150, "\(p.variant!) reads \(reads)")
                if reads == "0" {
                    for k in o.result.kernels {
                        for l in k.locks where l.name == "loop.lock" {
                            #expect(l.holdMeanNs * Double(l.acquisitions) <= o.result.simTime.nanoseconds)
                        }
                    }
                }
            }
        }
    }

    /// More threads than CPUs: at each tick a CPU with a task waiting for it makes its mutex
    /// spinner give up (need_resched), so waiters sleep on the list, and each is woken by a
    /// release (or handed the lock). None is left asleep.
    @Test func oversubscribedMutexSleepsAndWakesEveryWaiter() throws {
        for (_, o) in try Self.run([("workloads.loop.generate.lock", "mutex"), ("workloads.loop.total_threads", "96"),
                                    ("workloads.loop.generate.iterations", "600"), ("workloads.loop.generate.duration", "1s")],
                                   variant: "smp") {
            let lock = o.result.kernels[0].locks.first { $0.name == "loop.lock" }!
            #expect(o.result.workloads[0].ops == 96 * 600 && lock.acquisitions == 96 * 600)
            #expect(lock.slept > 1000, "\(lock.slept)")
            #expect(o.result.kernels[0].voluntarySwitches > 1000)
        }
    }

    @Test func queueLockOutlastsTicketLockAcrossSockets() throws {
        var throughput: [String: Double] = [:], handoff: [String: Double] = [:]
        for (p, o) in try Self.run([("workloads.loop.total_threads", "32")], variant: "smp") {
            let lock = p.params.first { $0.key == "workloads.loop.generate.lock" }!.value
            throughput[lock] = o.result.workloads[0].throughputPerSecond
            handoff[lock] = o.result.kernels[0].locks.first { $0.name == "loop.lock" }!.handoff.p50
        }
        // Every ticket waiter re-reads the line after each release, across the socket link.
        #expect(throughput["mcs"]! > 3 * throughput["ticket"]!, "\(throughput)")
        #expect(handoff["ticket"]! > 2 * handoff["mcs"]!, "\(handoff)")
        // With fewer threads than CPUs every mutex owner runs, so waiters spin in the osq
        // and take the lock as it is released, without a wake-up.
        #expect(handoff["mutex"]! < 1000, "\(handoff)")
    }

    /// The mutex's optimistic spinners queue on the osq: one at a time watches the lock word
    /// (no herd of CAS attempts at each release), they take turns in order, and none sleeps
    /// while owners keep running.
    @Test func mutexSpinnersQueueAndOneWatchesTheOwner() throws {
        for (_, o) in try Self.run([("workloads.loop.generate.lock", "mutex"), ("workloads.loop.total_threads", "32")], variant: "split") {
            for k in o.result.kernels {
                let lock = k.locks.first { $0.name == "loop.lock" }!
                #expect(lock.slept == 0 && lock.acquisitions > 4000)
                let word = o.result.hotLines.first { $0.name == "loop[\(k.name)].lock" }!
                let osq = o.result.hotLines.first { $0.name == "loop[\(k.name)].lock.osq" }
                // 15 waiters polling the word would miss it ~15 times per release.
                #expect(Double(word.misses) / Double(lock.acquisitions) < 8, "\(word.misses) misses, \(lock.acquisitions) acquisitions")
                #expect(osq != nil && osq!.misses >= lock.acquisitions / 2)
                let ops = o.result.tasks.filter { $0.kernel == k.name }.map(\.ops)
                #expect(Double(ops.max()!) / Double(ops.min()!) < 1.05, "\(ops)")
            }
        }
    }

    /// A spinner watches the owner only while the owner runs: when a real-time task preempts
    /// the holder, the other CPU's waiter stops spinning and sleeps until the release.
    @Test func aMutexSpinnerSleepsWhileTheOwnerIsPreempted() throws {
        let text = """
        mksim: 1
        name: owner-preempted
        machine: {preset: xeon-gold-6242-2s}
        duration: 5ms
        kernels: [{name: k, cpus: 0-1}]
        workloads:
          - {name: loop, on: k, threads: 2, pin: [0, 1], generate: {kind: lock-loop, lock: mutex, hold: 100000 cycles, outside: 2000 cycles}}
          - {name: rt, on: k, threads: 1, pin: [0], realtime: {priority: 50}, generate: {kind: periodic, run: 100us, period: 250us}}
        """
        let point = try #require(try ScenarioFile.parse(text, path: "owner-preempted.yaml").points().first)
        let r = try Runner.run(point).result
        let onCPU0 = try #require(r.tasks.first { $0.workload == "loop" && $0.lastCPU == 0 })
        let onCPU1 = try #require(r.tasks.first { $0.workload == "loop" && $0.lastCPU == 1 })
        // The real-time task preempts CPU 0's thread, often while it holds the lock (it holds
        // it ~95% of its time).
        #expect(onCPU0.preemptions >= 15, "\(onCPU0.preemptions)")
        // CPU 1's thread, waiting then, sleeps instead of spinning through the preemption: it
        // runs about as long as CPU 0's thread (which loses 2 of the 5 ms to the RT task),
        // not for the whole run.
        #expect(onCPU1.voluntarySwitches >= 10, "\(onCPU1.voluntarySwitches)")
        #expect(onCPU1.cpuTimeNs < 0.7 * 5e6, "\(onCPU1.cpuTimeNs)")
    }
}
