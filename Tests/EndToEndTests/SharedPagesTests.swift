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
        #expect(share("popcorn 0").throughputPerSecond > 0.95 * share("smp 0").throughputPerSecond)

        // SMP: one instance, so no fault at all whatever the writes: the hardware shares lines.
        for w in ["0", "0.01", "0.1"] {
            let s = try #require(share("smp \(w)").sharedPages)
            #expect(s.readFaults == 0 && s.writeFaults == 0 && s.invalidations == 0)
        }

        for w in ["0.01", "0.1"] {
            let r = runs["popcorn \(w)"]!
            let s = try #require(share("popcorn \(w)").sharedPages)
            // With two instances every write fault invalidates the other's copy, if it had one.
            #expect(s.invalidations <= s.writeFaults && s.invalidations > 0)
            // Every protocol message went through the dsm channel's rings, all tagged `page`,
            // and each was taken or is still in a ring.
            let dsm = r.channels.filter { $0.name == "dsm" }
            let sent = dsm.reduce(0) { $0 + $1.sent }
            #expect(sent >= s.readFaults + s.invalidations && sent <= s.readFaults + s.writeFaults + s.invalidations)
            for c in dsm {
                #expect(c.sent == c.delivered + c.inRing)
                #expect(c.deliveredByFamily.first { $0.0 == "page" }!.1 == c.delivered)
            }
            // Every notification IPI of a request or invalidation was taken, merged or is pending.
            #expect(r.ipiAccounting.taken + r.ipiAccounting.coalesced + r.ipiAccounting.pending == r.ipiAccounting.arrived)
            // A fault waits for its answer: the slowest operations take several message trips.
            let trip = dsm.map(\.latency.p50).max()!
            #expect(share("popcorn \(w)").latency.p99 > 2 * trip, "p99 \(share("popcorn \(w)").latency.p99) vs one trip \(trip)")
            // Page-granular sharing loses to line-granular coherence once anything writes.
            #expect(share("popcorn \(w)").throughputPerSecond < 0.5 * share("smp \(w)").throughputPerSecond)
        }
        // More writes, more bouncing per operation (fewer operations get done in the run).
        func faultsPerOp(_ k: String) -> Double { Double(share(k).sharedPages!.writeFaults) / Double(share(k).ops) }
        #expect(faultsPerOp("popcorn 0.1") > 3 * faultsPerOp("popcorn 0.01"), "\(faultsPerOp("popcorn 0.01")) -> \(faultsPerOp("popcorn 0.1"))")
    }
}
