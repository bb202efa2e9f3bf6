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

    /// More threads than CPUs: lock holders get preempted, so mutex waiters stop spinning
    /// and sleep; each is handed the lock and woken by a releaser. None is left asleep.
    @Test func oversubscribedMutexSleepsAndWakesEveryWaiter() throws {
        for (_, o) in try Self.run([("workloads.loop.generate.lock", "mutex"), ("workloads.loop.total_threads", "96"),
                                    ("workloads.loop.generate.iterations", "150"), ("workloads.loop.generate.duration", "1s")],
                                   variant: "smp") {
            let lock = o.result.kernels[0].locks.first { $0.name == "loop.lock" }!
            #expect(o.result.workloads[0].ops == 96 * 150 && lock.acquisitions == 96 * 150)
            #expect(lock.slept > 1000, "\(lock.slept)")
            // A sleeper's hand-off includes the wake-up and a context switch (1.37 us in the profile).
            #expect(lock.handoff.p50 > 1000, "\(lock.handoff)")
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
        // A sleeper is woken through the scheduler: a context switch per hand-off.
        #expect(handoff["mutex"]! > 1000, "\(handoff)")
    }
}
