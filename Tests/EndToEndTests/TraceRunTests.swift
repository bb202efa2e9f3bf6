import Foundation
import SimKernelModel
import SimReport
import SimScenario
import Testing

/// Traced workloads run on the model: scenarios/traces/.
@Suite struct TraceRunTests {
    @Test func theCounterProgramsLockLineCrossesSocketsOnlyWhenSplitAcrossKernels() throws {
        let results = try Repo.resultsByVariant("scenarios/traces/counter.yaml")
        func lockLine(_ r: SimulationResult) -> HotLine? { r.hotLines.first { $0.name == "counter.counter_lock" } }
        let one = try #require(results["one-kernel"]), two = try #require(results["two-kernels"])
        let a = try #require(lockLine(one)), b = try #require(lockLine(two))
        // Both workers hammer the word (5,000 lock/unlock pairs each): it moves between their cores.
        #expect(a.misses > 10_000 && a.remoteTransfers == 0, "\(a)")
        // Across two sockets nearly every one of those moves crosses the link, and the program slows down.
        #expect(b.misses > 10_000 && Double(b.remoteTransfers) > 0.95 * Double(b.misses), "\(b)")
        let makespan = { (r: SimulationResult) in r.workloads[0].makespanNs ?? 0 }
        #expect(makespan(two) > 1.5 * makespan(one), "\(makespan(one)) vs \(makespan(two)) ns")
        // op_at: pthread_mutex_unlock: one operation per unlock (5,000 per worker, and a few in libc).
        #expect(one.workloads[0].ops >= 10_000 && one.workloads[0].ops < 10_050, "\(one.workloads[0].ops)")
        #expect(one.workloads[0].throughputPerSecond > 1.5 * two.workloads[0].throughputPerSecond)
        #expect(one.traces.first?.records == two.traces.first?.records && one.traces[0].records > 800_000)
        // main's pthread_join sleeps until the worker's exit wakes it: every thread reaches its end.
        #expect(one.workloads[0].exited == 3 && two.workloads[0].exited == 3)
        #expect(one.workloads[0].wakeupLatency.count >= 1)
    }

    /// cachegrind's counts for the same program and geometry, from its own output.
    static func cachegrind(_ key: String) throws -> Double {
        let text = try String(contentsOfFile: Repo.path("scenarios/traces/fixtures/stream.cachegrind.txt"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains(key) })
        let number = line.split(separator: ":")[1].split(separator: "(")[0].replacingOccurrences(of: ",", with: "")
        return try #require(Double(number.trimmingCharacters(in: .whitespaces)))
    }

    @Test func cacheModelMissesWhereCachegrindDoes() throws {
        let r = try #require(Repo.resultsByVariant("scenarios/traces/cachegrind.yaml")[""])
        let l1 = try #require(r.caches.first { $0.name == "l1d" }), llc = try #require(r.caches.first { $0.name == "llc" })
        let l1i = try #require(r.caches.first { $0.name == "l1i" })
        // cachegrind's LL serves both I1 and D1 misses, as mksim's last level does.
        let d1 = try Self.cachegrind("D1  misses:"), i1 = try Self.cachegrind("I1  misses:"), ll = try Self.cachegrind("LL misses:")
        #expect(abs(Double(l1.misses) - d1) <= 0.02 * d1, "D1: mksim \(l1.misses), cachegrind \(d1)")
        #expect(abs(Double(l1i.misses) - i1) <= 0.02 * i1, "I1: mksim \(l1i.misses), cachegrind \(i1)")
        #expect(abs(Double(llc.misses) - ll) <= 0.02 * ll, "LL: mksim \(llc.misses), cachegrind \(ll)")
    }

    @Test func schedulerAndRtAppTracesRunWithTheirWakeUps() throws {
        for file in ["scenarios/traces/pingpong.yaml", "scenarios/traces/rt-app.yaml"] {
            for (variant, r) in try Repo.resultsByVariant(file) {
                #expect(r.traces.allSatisfy { $0.records > 0 && $0.error == nil }, "\(file) \(variant)")
                #expect(r.workloads.allSatisfy { $0.cpuTimeNs > 0 }, "\(file) \(variant)")
                // Waits are met by the wakes the other threads' streams send (sleeping when the wake
                // has not come yet): the chain never deadlocks.
                #expect(r.workloads.reduce(0) { $0 + $1.wakeupLatency.count } > 20, "\(file) \(variant): wake-ups happen")
                if file.contains("pingpong") {
                    #expect(r.workloads.allSatisfy { $0.exited == $0.tasks }, "\(file) \(variant): every task reaches its end")
                } else {
                    #expect(r.workloads.allSatisfy { $0.ops > 10 }, "\(file) \(variant): loops complete")
                }
            }
        }
    }

    @Test func aTraceThatEndsEarlyIsBadInputAndWritesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-truncated-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("counter.mktrace").path
        let convert = try Repo.mksim(["trace", "convert", "--from", "lackey", "--executable", "scenarios/traces/fixtures/counter.xz",
                                      "scenarios/traces/fixtures/counter.lackey.xz", whole])
        #expect(convert.status == 0, "\(convert.stderr)")
        // Corrupt one block in the middle: the footer is intact, so the run starts and then fails.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        bytes.replaceSubrange(200_000..<200_064, with: Data(repeating: 0xFF, count: 64))
        let broken = dir.appendingPathComponent("broken.mktrace").path
        try bytes.write(to: URL(fileURLWithPath: broken))
        let scenario = dir.appendingPathComponent("s.yaml").path
        try """
        mksim: 1
        name: broken
        machine: {preset: xeon-gold-6242-2s}
        kernels: [{name: a, cpus: socket0}]
        workloads: [{name: w, on: a, trace: {path: broken.mktrace}}]
        """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        let run = try Repo.mksim(["run", scenario, "--out", out])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("broken.mktrace: at byte offset") && run.stderr.contains("does not decode"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/result.json"))
        // Cut short: reported as truncated at its offset.
        let cut = dir.appendingPathComponent("cut.mktrace").path
        try bytes.prefix(100_000).write(to: URL(fileURLWithPath: cut))
        let info = try Repo.mksim(["trace", "info", cut])
        #expect(info.status == 2 && info.stderr.contains("truncated at offset 100000"), "\(info.stderr)")
        // A malformed importer input: file:line, exit 2, no output file.
        let bad = dir.appendingPathComponent("bad.lackey").path
        try "I  0040100a,3\n L 1ff000\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let o = dir.appendingPathComponent("bad.mktrace").path
        let c = try Repo.mksim(["trace", "convert", "--from", "lackey", bad, o])
        #expect(c.status == 2 && c.stderr.contains("bad.lackey:2: expected a lackey record"), "\(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: o))
    }

    /// A real capture (`xz -0 -T2` under lackey with --trace-syscalls=yes, valgrind 3.19:
    /// make-fixtures.sh) imports as it comes and replays to its end: valgrind prints every
    /// futex call `[async]`, so a wake's count is on its completion line; before that was
    /// read the replay stalled at 1.2 ms with a third of the records replayed (issue 16).
    @Test func aRealMultithreadedCaptureWithSyscallsReplaysToItsEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mksim-xz-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("xz.mktrace").path
        let convert = try Repo.mksim(["trace", "convert", "--from", "lackey", "scenarios/traces/fixtures/xz-T2.lackey.xz", trace])
        #expect(convert.status == 0, "\(convert.stderr)")
        let report = convert.stdout + convert.stderr
        #expect(report.contains("skipped 2 valgrind-internal lines (SCHEDSETJMP"), "\(report)")
        #expect(report.contains("1 futex wait timed out (ETIMEDOUT)"), "\(report)")
        let records = try #require(report.split(separator: " ").firstIndex(of: "records,").map { UInt64(report.split(separator: " ")[$0 - 1]) } ?? nil)
        let scenario = dir.appendingPathComponent("xz.yaml").path
        try """
        mksim: 1
        name: xz-T2
        machine: {preset: xeon-gold-6242-2s}
        kernels: [{name: a, cpus: socket0}]
        workloads: [{name: xz, on: a, trace: {path: xz.mktrace}}]
        """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try Repo.mksim(["run", scenario, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let r = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(r["stalled_ns"] == nil || r["stalled_ns"] is NSNull, "the replay stalled: \(run.stderr)")
        let replayed = ((r["traces"] as? [String: Any])?["xz"] as? [String: Any])?["records"] as? NSNumber
        #expect(replayed?.uint64Value == records, "every record replayed")
        let tasks = ((r["workloads"] as? [String: Any])?["xz"] as? [String: Any])?["exited"] as? NSNumber
        #expect(tasks?.intValue == 3, "xz's three threads reach their ends")
    }

    @Test func replayIsDeterministic() throws {
        let a = try ScenarioFile.load(path: Repo.path("scenarios/traces/counter.yaml")).points()
        let first = try a.map { try Runner.run($0).json.withoutHost }
        let second = try a.map { try Runner.run($0).json.withoutHost }
        #expect(first == second)
    }
}
