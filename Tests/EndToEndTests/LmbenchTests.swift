import Foundation
import SimReport
import SimScenario
import Testing

/// scenarios/micro/lmbench.yaml on xeon-gold-5418y-2s against the multikernel Linux
/// project's lmbench figures (calibration README): null syscall 70 ns, context switch
/// 1.37 us, pipe round trip 3.24 us, stat 0.354 us, open/close 0.554 us; one will-it-scale
/// unlink1 task ~467,000 iterations/s (the acceptance figure: within 10%).
///
/// The first three are how the linux profile was set (entry/exit, switch cost, and the pipe
/// paths from lmbench's own relation), so this checks that the mechanisms compose as
/// lmbench's arithmetic says: a reader that sleeps on an empty pipe, a writer that wakes it,
/// a CPU that switches between them and charges the switch once per pass.
@Suite struct LmbenchTests {
    @Test func kernelPathsMatchThePublishedRuns() throws {
        var p50: [String: Double] = [:], throughput: [String: Double] = [:]
        let file = try ScenarioFile.load(path: Repo.path("scenarios/micro/lmbench.yaml"))
        for p in try file.points() {
            let w = try Runner.run(p).result.workloads[0]
            p50[p.variant!] = w.latency.p50
            throughput[p.variant!] = w.throughputPerSecond
        }
        func within(_ v: Double, _ ref: Double) -> Bool { abs(v / ref - 1) <= 0.15 }
        #expect(within(p50["null"]!, 70), "\(p50)")
        #expect(within(p50["pipe"]!, 3240), "\(p50)")
        // lat_ctx: half a round trip through pipes on one CPU, less the pipe work alone.
        #expect(within(p50["pipe"]! / 2 - p50["pipe-self"]!, 1370), "\(p50)")
        #expect(abs(throughput["unlink"]! / 467_000 - 1) <= 0.10, "\(throughput)")
        #expect(within(p50["stat"]!, 354), "\(p50)")
        #expect(within(p50["open-close"]!, 554), "\(p50)")
    }
}
