import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// scenarios/multikernel/shared-pages.yaml: Popcorn's page-granular sharing between
/// instances against SMP's line-granular coherence.
@Suite struct SharedPagesTests {
    @Test func pagesReplicateForReadsAndBounceOnWrites() throws {
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/shared-pages.yaml"))
        var runs: [String: SimulationResult] = [:]
        for p in try file.points() {
            let writes = p.params.first { $0.key.hasSuffix(".writes") }!.value
            runs["\(p.variant!) \(writes)"] = try Runner.run(p).result
        }
        func share(_ key: String) -> WorkloadResult { runs[key]!.workloads.first { $0.name == "share" }! }

        // Read-only: instance b copies each of the 32 pages once; nothing is invalidated.
        let readOnly = try #require(share("popcorn 0").sharedPages)
        #expect(readOnly.readFaults == 32 && readOnly.writeFaults == 0 && readOnly.invalidations == 0)
        #expect(share("popcorn 0").throughputPerSecond > 0.85 * share("smp 0").throughputPerSecond)

        // SMP: one instance, so no fault at all whatever the writes: the hardware shares lines.
        for w in ["0", "0.01", "0.1"] {
            let s = try #require(share("smp \(w)").sharedPages)
            #expect(s.readFaults == 0 && s.writeFaults == 0 && s.invalidations == 0)
        }

        for w in ["0", "0.01", "0.1"] {
            let r = runs["popcorn \(w)"]!
            let s = try #require(share("popcorn \(w)").sharedPages)
            #expect(s.invalidations <= s.writeFaults)
            let dsm = r.channels.filter { $0.name == "dsm" }
            func count(_ c: ChannelResult, _ family: String) -> UInt64 { c.deliveredByFamily.first { $0.0 == family }!.1 }
            for c in dsm {
                #expect(c.sent == c.delivered + c.inRing)
                // Every request and invalidation one way is answered the other way, but for
                // those still queued at the end: at most two per thread (a page and an
                // invalidation) and one message in each ring.
                let back = dsm.first { $0.direction != c.direction }!
                let asked = count(c, "page") + count(c, "invalidate")
                let answered = count(back, "page_reply")
                #expect(answered <= asked + back.inRing && asked <= answered + 8 + back.inRing, "\(c.direction): \(asked) asked, \(answered) answered")
                // A page answer carries the page: 4 KiB in 74 one-line chunks.
                #expect(back.bytes >= 4096 * (count(c, "page") - min(count(c, "page"), 4)))
            }
            // Every request or invalidation sent was a fault's: one per read fault, one per
            // invalidation, and at most one per write fault (a page it did not have).
            let requests = dsm.reduce(0) { $0 + count($1, "page") + count($1, "invalidate") }
            #expect(requests >= s.readFaults + s.invalidations - 8 && requests <= s.readFaults + s.writeFaults + s.invalidations)
            // Every notification IPI (or drain re-raised when its budget ran out: a page is 74
            // chunks) was taken, merged or is pending.
            let ipis = r.ipiAccounting
            #expect(ipis.taken + ipis.coalesced + ipis.pending == ipis.arrived + ipis.reraised)
            // Both instances' threads got work done (no fault waits for an answer forever).
            #expect(r.tasks.filter { $0.workload == "share" }.allSatisfy { $0.ops > 0 })
        }
        for w in ["0.01", "0.1"] {
            // Page-granular sharing loses to line-granular coherence once anything writes.
            #expect(share("popcorn \(w)").throughputPerSecond < 0.5 * share("smp \(w)").throughputPerSecond)
            // A page is written again before the other instance's fault on it is answered:
            // the instance holding the pages runs, the other's threads mostly wait.
            let kernels = runs["popcorn \(w)"]!.kernels.map(\.ops).sorted()
            #expect(kernels[0] * 20 < kernels[1], "\(kernels)")
            #expect(share("popcorn \(w)").fairness < 0.7 && share("smp \(w)").fairness > 0.99)
        }
    }

    /// b panics at 1 ms: read-only, a loses nothing; with writes, a's threads wait for
    /// answers b will never give, and the run ends once nothing but ticks happen.
    @Test func aPanicReachesTheInstancesSharingItsPages() throws {
        let file = try ScenarioFile.load(path: Repo.path("scenarios/multikernel/shared-pages.yaml"))
        func run(_ variant: String, _ writes: String) throws -> SimulationResult {
            let p = try #require(try file.points().first { $0.variant == variant && $0.params.contains { $0.value == writes } })
            return try Runner.run(p).result
        }
        func opsOfA(_ r: SimulationResult) -> UInt64 { r.kernels.first { $0.name == "a" }!.ops }
        let (healthy, failed) = (try run("popcorn", "0"), try run("popcorn-panic", "0"))
        #expect(opsOfA(failed) == opsOfA(healthy) && failed.stalledAt == nil)
        let (healthy1, failed1) = (try run("popcorn", "0.01"), try run("popcorn-panic", "0.01"))
        #expect(opsOfA(failed1) * 2 < opsOfA(healthy1), "\(opsOfA(failed1)) vs \(opsOfA(healthy1))")
        // Every share thread of a is still waiting; the run ended on its own, stalled.
        #expect(failed1.tasks.filter { $0.workload == "share" && $0.kernel == "a" }.allSatisfy { $0.exitedNs == nil })
        let stalled = try #require(failed1.stalledAt)
        #expect(failed1.simTime == stalled && stalled.nanoseconds < 10_000_000)
        #expect(healthy1.stalledAt == nil)
    }

    /// One access to a page the instance does not hold: a request (one slot), the owner's
    /// page server wakes and answers with the page (4 KiB in one-line chunks), the thread
    /// wakes and writes the page into its instance's copy. A write's request moves the page:
    /// the owner, its only other holder, needs no invalidation of its own.
    @Test(arguments: [0, 1]) func aFaultWaitsForThePageInAMessage(writes: Int) throws {
        let text = """
        mksim: 1
        name: one-fault
        machine: {preset: teaching-2s4c}
        kernels:
          - {name: a, cpus: socket0, memory: {size: 1GiB, node: 0}}
          - {name: b, cpus: socket1, memory: {size: 1GiB, node: 1}}
        channels: [{name: dsm, between: [a, b], transport: popcorn}]
        workloads:
          - {name: share, on: all, threads: 1, generate: {kind: shared-pages, pages: 1, accesses: 1, writes: \(writes), compute: 0 cycles, iterations: 1}}
        """
        let point = try #require(try ScenarioFile.parse(text, path: "one-fault.yaml").points().first)
        let r = try Runner.run(point).result
        let request = try #require(r.channels.first { $0.direction == "b->a" })
        let answer = try #require(r.channels.first { $0.direction == "a->b" })
        #expect(request.delivered == 1 && answer.delivered == 1)
        #expect(answer.bytes == 4096 && answer.deliveredByFamily.first { $0.0 == "page_reply" }!.1 == 1)
        // Seventy-four chunks take far longer than the one-slot request.
        #expect(answer.latency.max > 5 * request.latency.max, "\(answer.latency.max) vs \(request.latency.max)")
        // a's thread hits its own copy; b's waits for both messages, then copies 64 lines
        // into local memory (each a miss there): well under 10 us more.
        let a = try #require(r.tasks.first { $0.workload == "share" && $0.kernel == "a" })
        let b = try #require(r.tasks.first { $0.workload == "share" && $0.kernel == "b" })
        let trips = request.latency.max + answer.latency.max
        let bDone = try #require(b.exitedNs)
        #expect(try #require(a.exitedNs) < 1000)
        #expect(bDone > trips && bDone < trips + 10_000, "b done at \(bDone) ns, messages \(trips) ns")
        let faults = try #require(r.workloads.first { $0.name == "share" }!.sharedPages)
        #expect(faults.readFaults == UInt64(1 - writes) && faults.writeFaults == UInt64(writes) && faults.invalidations == 0)
    }
}
