import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct CheckCommandTests {
    static func temp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mksim-check-\(UUID().uuidString)-\(name)")
    }

    /// A change to the model fails the check against the stored baseline with exit 1, naming the
    /// metric with its old and new values and the command that reproduces it; unchanged, it passes.
    @Test func baselineCatchesARegressionAndPrintsAReproducer() throws {
        let baseline = Self.temp("baseline.json"), junit = Self.temp("junit.xml")
        defer { try? FileManager.default.removeItem(at: baseline); try? FileManager.default.removeItem(at: junit) }
        let file = "scenarios/quickstart.yaml"
        let record = try Repo.mksim(["check", file, "--baseline", baseline.path, "--update-baseline"])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stdout.contains("wrote the baseline"))

        let same = try Repo.mksim(["check", file, "--baseline", baseline.path, "--junit", junit.path])
        #expect(same.status == 0, "\(same.stdout)")
        #expect(same.stdout.contains("5 passed, 0 failed"))

        // The JUnit report is XML with one test case per expectation and per point's baseline.
        let xml = try XMLDocument(contentsOf: junit)
        let cases = try xml.nodes(forXPath: "//testcase")
        #expect(cases.count == 5)
        #expect(try xml.nodes(forXPath: "//testcase[starts-with(@name, 'expect ')]").count == 3)

        let changed = try Repo.mksim(["check", file, "--baseline", baseline.path, "--tolerance", "2%",
                                      "--set", "machine.coherence.transfer.remote=300ns", "--junit", junit.path])
        #expect(changed.status == 1)
        #expect(changed.stdout.contains("FAIL scenarios/quickstart.yaml [variant=smp] baseline"))
        #expect(changed.stdout.contains("workloads.unlink.throughput_per_s: "))
        #expect(changed.stdout.contains("reproduce: mksim run scenarios/quickstart.yaml --variant smp --set machine.coherence.transfer.remote=300ns"))
        let failed = try XMLDocument(contentsOf: junit)
        #expect(try failed.nodes(forXPath: "//failure").count >= 1)
    }

    /// --update-baseline merges: a second file joins the first; `./x` is the same key as `x`.
    @Test func updatingABaselineKeepsTheOtherFiles() throws {
        let baseline = Self.temp("merged-baseline.json")
        defer { try? FileManager.default.removeItem(at: baseline) }
        #expect(try Repo.mksim(["check", "scenarios/quickstart.yaml", "--baseline", baseline.path, "--update-baseline"]).status == 0)
        #expect(try Repo.mksim(["check", "./scenarios/micro/ipi-latency.yaml", "--baseline", baseline.path, "--update-baseline"]).status == 0)
        let text = try String(contentsOf: baseline, encoding: .utf8)
        #expect(text.contains("\"scenarios/quickstart.yaml\": {") && text.contains("\"scenarios/micro/ipi-latency.yaml\": {"))
        let both = try Repo.mksim(["check", "./scenarios/quickstart.yaml", "scenarios/micro/ipi-latency.yaml", "--baseline", baseline.path])
        #expect(both.status == 0, "\(both.stdout)")
        #expect(!both.stdout.contains("no baseline for this point"))
    }

    @Test func missingBaselineIsBadInput() throws {
        let r = try Repo.mksim(["check", "scenarios/quickstart.yaml", "--baseline", "/nonexistent/baseline.json"])
        #expect(r.status == 2)
        #expect(try Repo.mksim(["check", "scenarios/quickstart.yaml", "--tolerance", "lots"]).status == 2)
    }

    @Test func compareShowsDeltas() throws {
        let a = Self.temp("a"), b = Self.temp("b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        #expect(try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "smp", "--out", a.path]).status == 0)
        #expect(try Repo.mksim(["run", "scenarios/quickstart.yaml", "--variant", "smp", "--out", b.path,
                                "--set", "workloads.unlink.total_threads=8"]).status == 0)
        let r = try Repo.mksim(["compare", a.appendingPathComponent("result.json").path, b.appendingPathComponent("result.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        // Two single results are compared directly: 6 threads against 8.
        #expect(r.stdout.contains("workloads.unlink.tasks"))
        #expect(r.stdout.contains("+33.33%"))
        let same = try Repo.mksim(["compare", a.appendingPathComponent("result.json").path, a.appendingPathComponent("result.json").path])
        #expect(same.stdout.contains("0 of"))
        // Two sweeps with one --set difference: every point matched, the override shown.
        let sa = Self.temp("sa"), sb = Self.temp("sb")
        defer { try? FileManager.default.removeItem(at: sa); try? FileManager.default.removeItem(at: sb) }
        #expect(try Repo.mksim(["sweep", "scenarios/quickstart.yaml", "--out", sa.path]).status == 0)
        #expect(try Repo.mksim(["sweep", "scenarios/quickstart.yaml", "--out", sb.path, "--set", "workloads.unlink.total_threads=8"]).status == 0)
        let sweeps = try Repo.mksim(["compare", sa.path, sb.path])
        #expect(sweeps.status == 0, "\(sweeps.stderr)")
        #expect(sweeps.stdout.contains("2 points matched, 0 only in A, 0 only in B"))
        #expect(sweeps.stdout.contains("B: workloads.unlink.total_threads=8"))
    }
}

@Suite struct SchedulingSuiteTests {
    /// Acceptance: every scenario of the CI suite in scenarios/sched/ passes `mksim check`, and
    /// the JUnit report is XML with one test case per expectation outcome.
    @Test func everySchedScenarioPassesCheck() throws {
        let junit = CheckCommandTests.temp("sched-junit.xml")
        defer { try? FileManager.default.removeItem(at: junit) }
        let files = Repo.scenarios().filter { $0.contains("/scenarios/sched/") }
        #expect(files.count >= 8)
        let r = try Repo.mksim(["check"] + files + ["--junit", junit.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let summary = r.stdout.split(separator: "\n").last { $0.hasSuffix(" failed") } ?? ""
        let passed = Int(summary.split(separator: " ").first ?? "") ?? -1
        #expect(summary.hasSuffix(", 0 failed") && passed > 100, "\(summary)")
        let xml = try XMLDocument(contentsOf: junit)
        #expect(try xml.nodes(forXPath: "//testcase[starts-with(@name, 'expect ')]").count == passed)
        #expect(try xml.nodes(forXPath: "//failure").isEmpty)
    }

    /// Every shipped scenario outside the sched suite states expectations that hold today
    /// (multikernel messaging, locks, shootdown, boot and panic, moves, migration, isolation;
    /// the machine microbenchmarks).
    @Test func everyOtherScenarioPassesCheck() throws {
        let files = Repo.scenarios().filter { !$0.contains("/scenarios/sched/") }
        #expect(files.contains { $0.hasSuffix("multikernel/isolation.yaml") })
        let r = try Repo.mksim(["check"] + files)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains(", 0 failed"), "\(r.stdout.suffix(300))")
    }

    /// An expectation relative to another variant compares the two at the same sweep point;
    /// naming a variant that does not exist is bad input, with the line.
    @Test func relativeExpectations() throws {
        let dir = CheckCommandTests.temp("relative")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func scenario(_ expect: String) throws -> String {
            let path = dir.appendingPathComponent("s\(UUID().uuidString).yaml").path
            try """
            mksim: 1
            name: relative
            duration: 50ms
            machine: {preset: teaching-2s4c}
            kernels: [{name: k, cpus: [0], scheduler: {policy: eevdf, tick: 1ms}}]
            workloads: [{name: w, threads: 3, generate: {kind: compute-memory, compute: 5us, accesses: 0}}]
            variants: {eevdf: {}, fifo: {kernels.k.scheduler.policy: fifo}}
            sweep: {variant: [eevdf, fifo], workloads.w.threads: [2, 3]}
            expect:
              - \(expect)

            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // FIFO runs one task: fairness over 2 tasks is 0.5, over 3 it is 1/3; EEVDF is 1.
        let ok = try Repo.mksim(["check", try scenario("{metric: workloads.w.fairness, variant: eevdf, relative_to: fifo, at: {workloads.w.threads: 3}, min: 2.9}")])
        #expect(ok.status == 0 && ok.stdout.contains("1 passed, 0 failed"), "\(ok.stdout)")
        let fails = try Repo.mksim(["check", try scenario("{metric: workloads.w.fairness, variant: eevdf, relative_to: fifo, min: 2.1}")])
        #expect(fails.status == 1)
        #expect(fails.stdout.contains("workloads.w.fairness = 1 vs 0.5 in fifo: ratio 2 (below min 2.1)"), "\(fails.stdout)")
        let typo = try Repo.mksim(["check", try scenario("{metric: workloads.w.fairness, relative_to: fifi, min: 1}")])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains(":10:1: error: expect.relative_to: no variant named 'fifi'; did you mean 'fifo'?"), "\(typo.stderr)")
    }
}
